"""Money amounts in English and Spanish: table-driven cases plus round-trip properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.money import find_money, parse_money, parse_number, to_usd

# text, language hint, expected (amount, currency, qualifier) of every amount found, in order
CASES = [
    ("Amazon considera invertir $10 mil millones en OpenAI", "es", [(10e9, "USD", None)]),
    ("a $10bn deal", "en", [(10e9, "USD", None)]),
    ("a $10B deal", None, [(10e9, "USD", None)]),
    ("$350M for a stake", "en", [(350e6, "USD", None)]),
    ("$350 million in stock", "en", [(350e6, "USD", None)]),
    ("US$ 5.000 millones", "es", [(5e9, "USD", None)]),
    ("11.900 millones de dólares", "es", [(11.9e9, "USD", None)]),
    ("11.900 millones de dólares", None, [(11.9e9, "USD", None)]),
    ("1,3 mil millones de euros", "es", [(1.3e9, "EUR", None)]),
    ("€1.3 billion", "en", [(1.3e9, "EUR", None)]),
    ("38.000 millones de dólares", "es", [(38e9, "USD", None)]),
    ("1,4 billones de dólares", "es", [(1.4e12, "USD", None)]),
    ("$1.4 trillion", "en", [(1.4e12, "USD", None)]),
    ("invertirá mil millones de dólares", "es", [(1e9, "USD", None)]),
    ("dos mil millones de euros", "es", [(2e9, "EUR", None)]),
    ("3 millardos de euros", "es", [(3e9, "EUR", None)]),
    ("a billion dollars", "en", [(1e9, "USD", None)]),
    ("£2bn", "en", [(2e9, "GBP", None)]),
    ("¥1 trillion", "en", [(1e12, "JPY", None)]),
    ("5.000 millones de yenes", "es", [(5e9, "JPY", None)]),
    ("a deal worth 800 billion won", "en", [(800e9, "KRW", None)]),
    ("2 billones de wones", "es", [(2e12, "KRW", None)]),
    ("300 million Australian dollars", "en", [(300e6, "AUD", None)]),
    ("the team won 3 games", "en", []),
    ("USD 5 billion", "en", [(5e9, "USD", None)]),
    ("$ 10 bn", "en", [(10e9, "USD", None)]),
    ("$38,000", None, [(38000.0, "USD", None)]),
    ("20,47 dólares por acción", "es", [(20.47, "USD", None)]),
    ("$1,500,000.50", "en", [(1500000.5, "USD", None)]),
    ("1.500.000,50 euros", "es", [(1500000.5, "EUR", None)]),
    ("up to $100 billion", "en", [(100e9, "USD", "up_to")]),
    ("as much as $6.5 billion", "en", [(6.5e9, "USD", "up_to")]),
    ("de hasta 6.500 millones de dólares", "es", [(6.5e9, "USD", "up_to")]),
    ("more than $10 billion", "en", [(10e9, "USD", "more_than")]),
    ("$10 billion or more", "en", [(10e9, "USD", "more_than")]),
    ("más de 10.000 millones de dólares", "es", [(10e9, "USD", "more_than")]),
    ("about $22.4 billion", "en", [(22.4e9, "USD", "about")]),
    ("unos 80.000 millones de dólares", "es", [(80e9, "USD", "about")]),
    ("$66 billion to $72 billion", "en", [(66e9, "USD", "range")]),
    ("$10-12 billion", "en", [(10e9, "USD", "range")]),
    ("de 70.000 a 72.000 millones de dólares", "es", [(70e9, "USD", "range")]),
    ("entre 3.000 y 4.000 millones de euros", "es", [(3e9, "EUR", "range")]),
    # "and" without "between" lists two amounts ("... respectively"), it makes no range
    ("$2 billion and $6 billion respectively", "en", [(2e9, "USD", None), (6e9, "USD", None)]),
    ("between $2 billion and $6 billion", "en", [(2e9, "USD", "range")]),
    ("1.000 millones de euros y 3.000 millones de euros", "es", [(1e9, "EUR", None), (3e9, "EUR", None)]),
    ("revenue of $57.0 billion and net income of $31.9 billion", "en", [(57e9, "USD", None), (31.9e9, "USD", None)]),
    # one mark before exactly three digits groups thousands, whatever the mark (Mexican outlets use ",")
    ("Nvidia pondría hasta US$1,000 millones", "es", [(1e9, "USD", "up_to")]),
    ("un contrato de US$6,200 millones", "es", [(6.2e9, "USD", None)]),
    ("unos 7,500 millones de dólares en capital", "es", [(7.5e9, "USD", "about")]),
    ("1.500 millones de euros", "es", [(1.5e9, "EUR", None)]),
    ("1,500 million dollars", "en", [(1.5e9, "USD", None)]),
    ("MXN 5,000 millones", "es", [(5e9, "MXN", None)]),
    ("3,200 millones de pesos mexicanos", "es", [(3.2e9, "MXN", None)]),
    # ... any other number of digits after the mark is a decimal part; an English "." stays a decimal point
    ("US$1.5 mil millones", "es", [(1.5e9, "USD", None)]),
    ("1,3 mil millones de euros", None, [(1.3e9, "EUR", None)]),
    ("$2.125 billion in notes", "en", [(2.125e9, "USD", None)]),
    ("$1.5bn", "en", [(1.5e9, "USD", None)]),
    ("USD 2 bn", None, [(2e9, "USD", None)]),
    ("£1.25bn", "en", [(1.25e9, "GBP", None)]),
    ("¥300 billion", "en", [(300e9, "JPY", None)]),
    # Mexican press: "mdd" / "mmdd" give scale and currency at once; the thousands of millions written as a word
    ("Fintual levanta 45 mdd en su serie B", "es", [(45e6, "USD", None)]),
    ("una inversión de 2,5 mmdd", "es", [(2.5e9, "USD", None)]),
    ("un crédito por 900 mdp", "es", [(900e6, "MXN", None)]),
    ("comprará servidores por mil 350 mdd", "es", [(1.35e9, "USD", None)]),
    ("unos 4 mil 250 millones de dólares", "es", [(4.25e9, "USD", "about")]),
    ("hasta mil 80 millones de dólares", "es", [(1.08e9, "USD", "up_to")]),
    ("contratará a 3 mil 200 ingenieros", "es", []),
    ("instalará 12 mil GPU", "es", []),
    # Nordic and Latin American currencies by ISO code or by name
    ("a SEK 4.5bn order", "en", [(4.5e9, "SEK", None)]),
    ("paid DKK 900 million", "en", [(900e6, "DKK", None)]),
    ("worth 3 billion Norwegian kroner", "en", [(3e9, "NOK", None)]),
    ("captó 850 millones de reales", "es", [(850e6, "BRL", None)]),
    ("un pedido de 12.000 millones de pesos chilenos", "es", [(12e9, "CLP", None)]),
    ("vendió el 5% por 700 millones de coronas suecas", "es", [(700e6, "SEK", None)]),
    ("datos reales de 40 clientes", "es", []),
    # negatives: no currency, no figure, or not an amount
    ("433,3 millones de acciones", "es", []),
    ("a multibillion-dollar agreement", "en", []),
    ("tens of billions of dollars", "en", []),
    ("unos 229 millones un año antes", "es", []),
    ("10 gigawatts in 2026", "en", []),
    ("un 20 % más", "es", []),
    ("", None, []),
]


@pytest.mark.parametrize("text,language,expected", CASES, ids=[c[0][:40] or "empty" for c in CASES])
def test_find_money(text: str, language: str | None, expected: list) -> None:
    got = [(m.amount, m.currency, m.qualifier) for m in find_money(text, language)]
    assert len(got) == len(expected), got
    for (amount, currency, qualifier), (want_amount, want_currency, want_qualifier) in zip(got, expected):
        assert amount == pytest.approx(want_amount)
        assert (currency, qualifier) == (want_currency, want_qualifier)


@pytest.mark.parametrize("text,language,expected", CASES, ids=[c[0][:40] or "empty" for c in CASES])
def test_spans_point_at_the_surface_text(text: str, language: str | None, expected: list) -> None:
    for m in find_money(text, language):
        assert text[m.start : m.end] == m.text
        assert m.text.strip() == m.text


def test_year_before_an_amount_is_not_a_range() -> None:
    [m] = find_money("OpenAI expects revenue to grow from 2025 to $100 billion", "en")
    assert (m.amount, m.qualifier) == (100e9, None)


def test_parse_money_returns_the_first_or_none() -> None:
    assert parse_money("Google pays $2.7 billion and €1 billion").amount == 2.7e9
    assert parse_money("no figures here") is None


@pytest.mark.parametrize(
    "amount,currency,usd", [(1e9, "USD", 1e9), (1e9, "EUR", None), (None, "USD", None), (5.0, None, None)]
)
def test_to_usd(amount, currency, usd) -> None:
    assert to_usd(amount, currency) == usd


@pytest.mark.parametrize(
    "raw,convention,value",
    [("11.900", "es", "11900"), ("1,3", "es", "1.3"), ("1,500", "en", "1500"), ("1.25", "en", "1.25"), ("1.000", None, "1000"),
     ("2.5", None, "2.5"), ("1.234.567,8", None, "1234567.8"), ("1,234,567.8", None, "1234567.8"),
     ("1,000", "es", "1000"), ("6,200", "es", "6200"), ("2.125", "en", "2.125"), ("1,25", "es", "1.25"), ("1.5", "es", "1.5")],
)
def test_parse_number(raw: str, convention: str | None, value: str) -> None:
    assert parse_number(raw, convention) == Decimal(value)


# -- round trips: write an amount the way each outlet would, read it back -----------------------------

def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def _english_scaled(tenths: int, word: str, symbol: str) -> str:
    whole, frac = divmod(tenths, 10)
    number = f"{whole}.{frac}" if frac else f"{whole}"
    return f"{symbol}{number} {word}" if word not in ("bn", "B", "M", "m") else f"{symbol}{number}{word}"


def _spanish_scaled(tenths: int, word: str) -> str:
    whole, frac = divmod(tenths, 10)
    number = f"{_group(whole, '.')},{frac}" if frac else _group(whole, ".")
    return f"{number} {word} de dólares"


tenths = st.integers(min_value=1, max_value=9999)


@given(tenths, st.sampled_from([("billion", 1e9), ("bn", 1e9), ("B", 1e9), ("million", 1e6), ("M", 1e6), ("m", 1e6)]),
       st.sampled_from(["$", "US$", "€", "£"]))
def test_round_trip_english(t: int, scale: tuple[str, float], symbol: str) -> None:
    text = f"The company agreed to pay {_english_scaled(t, scale[0], symbol)} for the capacity."
    [m] = find_money(text, "en")
    assert m.amount == pytest.approx(t / 10 * scale[1])


@given(tenths, st.sampled_from([("millones", 1e6), ("mil millones", 1e9), ("millardos", 1e9)]))
def test_round_trip_spanish(t: int, scale: tuple[str, float]) -> None:
    text = f"La empresa pagará {_spanish_scaled(t, scale[0])} por la capacidad."
    [m] = find_money(text, "es")
    assert (m.amount, m.currency) == (pytest.approx(t / 10 * scale[1]), "USD")


@given(st.integers(min_value=1, max_value=999_999_999), st.sampled_from([("en", ",", "$", ""), ("es", ".", "", " dólares")]))
def test_round_trip_grouped_digits(n: int, style: tuple[str, str, str, str]) -> None:
    lang, sep, prefix, suffix = style
    text = f"Pagó {prefix}{_group(n, sep)}{suffix} en total."
    [m] = find_money(text, lang)
    assert m.amount == n


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=500))
def test_round_trip_ranges(low: int, extra: int) -> None:
    [m] = find_money(f"between ${low} billion and ${low + extra} billion", "en")
    assert (m.amount, m.qualifier) == (low * 1e9, "range")


# the thousands-group rule: one mark followed by exactly three digits groups thousands in Spanish wording,
# whichever mark the outlet uses; fewer digits after the mark make a decimal part
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999), st.sampled_from([",", "."]),
       st.sampled_from(["US$", "$", "€", ""]))
def test_round_trip_thousands_group(high: int, low: int, mark: str, prefix: str) -> None:
    suffix = "" if prefix else " de dólares"
    text = f"Invertirá hasta {prefix}{high}{mark}{low:03d} millones{suffix} en la empresa."
    [m] = find_money(text, "es")
    assert m.amount == pytest.approx((high * 1000 + low) * 1e6)


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=99), st.sampled_from([",", "."]))
def test_round_trip_decimal_part(whole: int, frac: int, mark: str) -> None:
    text = f"Invertirá US${whole}{mark}{frac} mil millones en la empresa."
    [m] = find_money(text, "es")
    assert m.amount == pytest.approx(float(f"{whole}.{frac}") * 1e9)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=99), st.integers(min_value=1, max_value=999), st.sampled_from(["millones de dólares", "mdd"]))
def test_round_trip_mexican_thousands_word(thousands: int, millions: int, unit: str) -> None:
    """"mil 200 mdd", "8 mil 700 millones de dólares": the word "mil" stands for the thousands of millions."""
    head = "mil" if thousands <= 1 else f"{thousands} mil"
    text = f"La empresa invertirá {head} {millions} {unit} en el país."
    [m] = find_money(text, "es")
    assert (m.amount, m.currency) == (pytest.approx((max(thousands, 1) * 1000 + millions) * 1e6), "USD")
