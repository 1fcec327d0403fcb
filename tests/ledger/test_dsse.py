"""DSSE envelopes: the encoding signed, what a signature covers, and hostile input."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.ledger._encoding import b64decode, b64encode
from golive.ledger.dsse import IN_TOTO, Envelope, EnvelopeError, pae
from golive.ledger.keys import key_id

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()


def test_pae_matches_the_specification_example() -> None:
    # The worked example of the DSSE protocol document.
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_a_signed_envelope_is_verified_by_its_key_only() -> None:
    envelope = Envelope(payload_type=IN_TOTO, payload=b'{"a":1}').signed(KEY)
    assert [k for _, k in envelope.verified_by([KEY.public_key()])] == [key_id(KEY.public_key())]
    assert envelope.verified_by([OTHER.public_key()]) == []


def test_signing_twice_with_one_key_adds_one_signature() -> None:
    envelope = Envelope(payload_type=IN_TOTO, payload=b"x").signed(KEY)
    assert envelope.signed(KEY) is envelope
    assert len(envelope.signed(OTHER).signatures) == 2


def test_a_wrong_keyid_hint_does_not_hide_a_valid_signature() -> None:
    envelope = Envelope(payload_type=IN_TOTO, payload=b"x").signed(KEY)
    data = json.loads(envelope.to_json())
    data["signatures"][0]["keyid"] = "SHA256:somebody-else"
    moved = Envelope.from_json(json.dumps(data))
    assert len(moved.verified_by([OTHER.public_key(), KEY.public_key()])) == 1


def test_json_round_trip_keeps_every_byte() -> None:
    envelope = Envelope(payload_type=IN_TOTO, payload=bytes(range(256))).signed(KEY)
    again = Envelope.from_json(envelope.to_json())
    assert again == envelope


@settings(max_examples=150, deadline=None)
@given(
    payload=st.binary(min_size=1, max_size=200),
    where=st.integers(min_value=0),
    bit=st.integers(min_value=0, max_value=7),
    part=st.sampled_from(["payload", "type", "sig"]),
)
def test_any_flipped_bit_breaks_the_signature(
    payload: bytes, where: int, bit: int, part: str
) -> None:
    envelope = Envelope(payload_type=IN_TOTO, payload=payload).signed(KEY)
    data = json.loads(envelope.to_json())
    if part == "payload":
        raw = bytearray(payload)
        raw[where % len(raw)] ^= 1 << bit
        data["payload"] = b64encode(bytes(raw))
    elif part == "type":
        kind = bytearray(IN_TOTO.encode())
        kind[where % len(kind)] ^= 1 << (bit % 6)  # stays ASCII
        data["payloadType"] = kind.decode("latin-1")
    else:
        sig = bytearray(b64decode(data["signatures"][0]["sig"]))
        sig[where % len(sig)] ^= 1 << bit
        data["signatures"][0]["sig"] = b64encode(bytes(sig))
    tampered = Envelope.from_json(json.dumps(data))
    assert tampered.verified_by([KEY.public_key()]) == []


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(["payload", "payloadType", "signatures", "sig", "keyid", "x"]),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=20,
        ).map(json.dumps),
    )
)
def test_any_text_is_an_envelope_or_an_envelope_error(text: str) -> None:
    try:
        envelope = Envelope.from_json(text)
    except EnvelopeError as error:
        assert str(error)
    else:
        assert envelope.verified_by([KEY.public_key()]) == []
