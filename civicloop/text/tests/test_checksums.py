import pytest

from civicloop.text import checksums

# Spanish Ministry of the Interior DNI letter table: remainder of the number divided by 23.
MINISTRY_TABLE = {
    0: "T", 1: "R", 2: "W", 3: "A", 4: "G", 5: "M", 6: "Y", 7: "F", 8: "P", 9: "D", 10: "X",
    11: "B", 12: "N", 13: "J", 14: "Z", 15: "S", 16: "Q", 17: "V", 18: "H", 19: "L", 20: "C",
    21: "K", 22: "E",
}  # fmt: skip


@pytest.mark.parametrize(("remainder", "letter"), sorted(MINISTRY_TABLE.items()))
def test_dni_letter_follows_the_ministry_table(remainder, letter):
    number = 23 * 400_000 + remainder
    assert checksums.dni_valid(f"{number:08d}{letter}")
    wrong = MINISTRY_TABLE[(remainder + 1) % 23]
    assert not checksums.dni_valid(f"{number:08d}{wrong}")


def test_dni_published_example_and_separators():
    assert checksums.dni_valid("12345678Z")
    assert checksums.dni_valid("12.345.678-Z")
    assert not checksums.dni_valid("12345678A")
    assert not checksums.dni_valid("1234567Z")


@pytest.mark.parametrize("nie", ["X1234567L", "Y1234567X", "Z1234567R", "x-1234567-l"])
def test_nie_valid(nie):
    assert checksums.nie_valid(nie)


@pytest.mark.parametrize("nie", ["X1234567T", "W1234567L", "X123456L"])
def test_nie_invalid(nie):
    assert not checksums.nie_valid(nie)


# Example IBANs from the SWIFT ISO 13616 IBAN registry (one per country).
REGISTRY_IBANS = [
    "GB29 NWBK 6016 1331 9268 19",
    "DE89 3704 0044 0532 0130 00",
    "ES91 2100 0418 4502 0005 1332",
    "PT50 0002 0123 1234 5678 9015 4",
    "PL61 1090 1014 0000 0712 1981 2874",
    "DK50 0040 0440 1162 43",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "BE68 5390 0754 7034",
    # Countries the hand-written 40-country table did not know.
    "RS35 2600 0560 1001 6113 79",
    "AL47 2121 1009 0000 0002 3569 8741",
    "BR18 0036 0305 0000 1000 9795 493C 1",
    "SA03 8000 0000 6080 1016 7519",
    "AE07 0331 2345 6789 0123 456",
    "QA58 DOHB 0000 1234 5678 90AB CDEF G",
    "KW81 CBKU 0000 0000 0000 1234 5601 01",
    "JO94 CBJO 0010 0000 0000 0131 0003 02",
    "ME25 5050 0001 2345 6789 51",
]


@pytest.mark.parametrize("iban", REGISTRY_IBANS)
def test_registry_ibans_are_valid(iban):
    assert checksums.iban_valid(iban)
    assert checksums.iban_valid(iban.replace(" ", ""))


@pytest.mark.parametrize(
    "iban",
    [
        "GB29 NWBK 6016 1331 9268 18",  # last digit changed
        "GB28 NWBK 6016 1331 9268 19",  # check digits changed
        "ES91 2100 0418 4502 0005 133",  # one character short for ES
        "XX91 2100 0418 4502 0005 1332",  # unknown country
        "RS35 2600 0560 1001 6113 78",  # last digit changed
        "SA03 8000 0000 6080 1016 751",  # one character short for SA
        "BR18 0036 0305 0000 1000 9795 4931 1",  # digit where Brazil's BBAN has a letter
    ],
)
def test_corrupted_ibans_are_invalid(iban):
    assert not checksums.iban_valid(iban)


@pytest.mark.parametrize("nif", ["123456789", "999999990", "501964843"])
def test_portuguese_nif_valid(nif):
    assert checksums.nif_pt_valid(nif)


@pytest.mark.parametrize("nif", ["123456780", "12345678", "023456789"])
def test_portuguese_nif_invalid(nif):
    assert not checksums.nif_pt_valid(nif)


def test_pesel_published_examples():
    # 44051401359: born 1944-05-14 (Polish Ministry of Digital Affairs example).
    assert checksums.pesel_valid("44051401359")
    assert checksums.pesel_valid("02070803628")  # 1902-07-08
    assert checksums.pesel_valid("02270803624")  # 2002-07-08: month + 20 marks the 2000s
    assert not checksums.pesel_valid("44051401358")  # wrong check digit
    # Right check digit but 31 February does not exist.
    body = "4402310000"
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check = (10 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 10) % 10
    assert not checksums.pesel_valid(body + str(check))


def test_cpr_date_and_modulus_11():
    # 070761-4285 is the CPR Office's worked example; it also satisfies modulus 11.
    assert checksums.cpr_valid("070761-4285")
    assert checksums.cpr_valid("070761-4285", modulus11=True)
    # A post-2007 style number: a real date (1990-01-01) whose weighted sum is 80, not 0 mod 11.
    assert checksums.cpr_valid("010190-4000")
    assert not checksums.cpr_valid("010190-4000", modulus11=True)
    assert not checksums.cpr_valid("320161-1234")  # day 32
    assert not checksums.cpr_valid("290201-1234")  # 29 Feb 1901 does not exist


@pytest.mark.parametrize("card", ["4111111111111111", "5555 5555 5555 4444", "378282246310005"])
def test_luhn_valid_test_cards(card):
    assert checksums.luhn_valid(card)


@pytest.mark.parametrize("card", ["4111111111111112", "1234", "5555 5555 5555 4445"])
def test_luhn_invalid(card):
    assert not checksums.luhn_valid(card)


def test_iban_lengths_come_from_the_registry():
    lengths = checksums.iban_lengths()
    assert len(lengths) > 80
    assert lengths["ES"] == 24
    assert lengths["GB"] == 22
    assert lengths["RS"] == 22
    assert lengths["AL"] == 28
    assert lengths["BR"] == 29
    assert lengths["SA"] == 24
    assert lengths["MT"] == 31
