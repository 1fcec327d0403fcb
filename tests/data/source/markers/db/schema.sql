CREATE TABLE accounts (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL -- XXX: unique per tenant?
);

INSERT INTO notes (body) VALUES ('-- TODO is data here');
