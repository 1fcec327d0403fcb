from app.geometry import area


def test_area() -> None:
    assert area(2, 3) == 6


def test_area_of_an_empty_rectangle() -> None:
    assert area(0, 3) == 0
