"""Identifiers: USCC, CN patent numbers, IPC symbols — valid forms normalise, invalid ones say why."""

import pytest

from ipops import ids
from ipops.demo_data import make_patent_number, make_uscc


class TestUSCC:
    @pytest.mark.parametrize(
        "raw", ["91370200163562681G", "91 3702 0016 3562 681G", "９１３７０２００１６３５６２６８１Ｇ"]
    )
    def test_valid_codes_normalise(self, raw):
        assert ids.normalize_uscc(raw) == "91370200163562681G"

    def test_generated_demo_codes_are_valid(self):
        for name in ["青岛海纳智能装备有限公司", "济南理工大学", "郑州银行科技支行"]:
            code = make_uscc("qingdao", name)
            assert ids.normalize_uscc(code) == code

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("91370200163562681", "uscc_invalid_length"),
            ("91370200163562681H", "uscc_invalid_checksum"),
            ("9137020016356268IG", "uscc_invalid_format"),  # I is not in the USCC alphabet
            ("", "uscc_invalid_length"),
        ],
    )
    def test_invalid_codes_say_why(self, raw, code):
        with pytest.raises(ids.InvalidIdentifier) as err:
            ids.normalize_uscc(raw)
        assert err.value.code == code
        assert err.value.status == 400


class TestPatentNumbers:
    @pytest.mark.parametrize(
        "raw",
        [
            "201710601862.3",
            "ZL201710601862.3",
            "CN201710601862.3",
            "ZL 2017 1 0601862.3",
            "2017106018623",
            "zl201710601862.3",
            "ＺＬ２０１７１０６０１８６２．３",
        ],
    )
    def test_accepts_prefixes_spaces_and_missing_dot(self, raw):
        number = ids.parse_patent_number(raw)
        assert number.canonical == "201710601862.3"
        assert number.grant_number == "ZL201710601862.3"
        assert number.year == 2017
        assert number.patent_type == "invention"

    def test_check_character_x(self):
        # Σ dᵢ·wᵢ mod 11 == 10 is written X.
        digits = next(
            f"2019{t}{s:07d}"
            for t in "1"
            for s in range(10_000)
            if ids.patent_check_char(f"2019{t}{s:07d}") == "X"
        )
        assert ids.normalize_patent_number(f"{digits}x") == f"{digits}.X"
        with pytest.raises(ids.InvalidIdentifier) as err:
            ids.normalize_patent_number(f"{digits}.0")
        assert err.value.code == "patent_number_checksum"

    @pytest.mark.parametrize("raw", ["98123456.4", "ZL98123456.4", "CN 98 1 23456.4"])
    def test_old_eight_digit_format(self, raw):
        # Old numbers (before 2003-10-01): weights 2…9 over the 8 digits, mod 11.
        digits = "98123456"
        check = ids.patent_check_char(digits)
        assert check == str(sum(int(d) * w for d, w in zip(digits, range(2, 10), strict=True)) % 11)
        number = ids.parse_patent_number(raw.replace(".4", f".{check}"))
        assert number.canonical == f"98123456.{check}"
        assert number.year == 1998
        assert number.patent_type == "invention"

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("201710601862.4", "patent_number_checksum"),
            ("20171060186.3", "patent_number_format"),
            ("201750601862.3", "patent_number_type"),
            ("209910601862.0", "patent_number_year"),
            ("ABC", "patent_number_format"),
            ("", "patent_number_format"),
        ],
    )
    def test_invalid_numbers_say_why(self, raw, code):
        if code == "patent_number_year":
            raw = "209910601862." + ids.patent_check_char("209910601862")
        with pytest.raises(ids.InvalidIdentifier) as err:
            ids.parse_patent_number(raw)
        assert err.value.code == code

    @pytest.mark.parametrize(
        ("type_digit", "kind"),
        [
            ("1", "invention"),
            ("2", "utility_model"),
            ("3", "design"),
            ("8", "pct_invention"),
            ("9", "pct_utility_model"),
        ],
    )
    def test_type_digits(self, type_digit, kind):
        import datetime

        number = make_patent_number(datetime.date(2020, 1, 1), type_digit, 1234)
        assert ids.parse_patent_number(number).patent_type == kind


class TestIPC:
    @pytest.mark.parametrize(
        ("raw", "canonical"),
        [
            ("H04L 29/06", "H04L 29/06"),
            ("h04l29/06", "H04L 29/06"),
            ("A61K  31/00", "A61K 31/00"),
            ("G06F 16/332", "G06F 16/332"),
            ("H01M 10/6556", "H01M 10/6556"),
            ("Ｃ０８Ｋ ３/０４", "C08K 3/04"),
            ("B60L 053/60", "B60L 53/60"),
        ],
    )
    def test_valid_symbols(self, raw, canonical):
        assert ids.normalize_ipc(raw) == canonical

    @pytest.mark.parametrize(
        "raw", ["I04L 29/06", "H4L 29/06", "H04 29/06", "H04L", "H04L 29", "H04L 29/6", "29/06"]
    )
    def test_invalid_symbols(self, raw):
        with pytest.raises(ids.InvalidIdentifier) as err:
            ids.normalize_ipc(raw)
        assert err.value.code == "ipc_format"

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("A00A 0/00", "ipc_unknown_class"),  # the shape is right; class A00 does not exist
            ("B99A 1/00", "ipc_unknown_subclass"),  # class B99 exists (B99Z), subclass B99A does not
            ("H04Z 1/00", "ipc_unknown_subclass"),
        ],
    )
    def test_well_formed_symbols_outside_the_scheme_are_refused(self, raw, code):
        with pytest.raises(ids.InvalidIdentifier) as err:
            ids.normalize_ipc(raw)
        assert err.value.code == code

    @pytest.mark.parametrize(
        ("raw", "code"), [("A00", "ipc_unknown_class"), ("H04Z", "ipc_unknown_subclass")]
    )
    def test_search_prefixes_outside_the_scheme_are_refused(self, raw, code):
        with pytest.raises(ids.InvalidIdentifier) as err:
            ids.normalize_ipc_prefix(raw)
        assert err.value.code == code

    def test_the_scheme_holds_654_subclasses_including_2025s_new_ones(self):
        subclasses = ids.ipc_subclasses()
        assert len(subclasses) == 654
        assert {"H10D", "H10F", "H10H", "A01B", "G06N", "B99Z"} <= subclasses

    def test_levels_from_section_to_subgroup(self):
        assert ids.parse_ipc("H04L 29/06").levels() == ("H", "H04", "H04L", "H04L 29", "H04L 29/06")

    @pytest.mark.parametrize(
        ("raw", "prefix"),
        [("h", "H"), ("H04", "H04"), ("h04l", "H04L"), ("H04L 029", "H04L 29"), ("H04L29/06", "H04L 29/06")],
    )
    def test_prefixes(self, raw, prefix):
        assert ids.normalize_ipc_prefix(raw) == prefix


def test_demo_data_and_the_bench_generator_use_only_real_ipc_subclasses():
    """Every IPC symbol the demo and the benchmark put on assets, listings and buy requests is one the
    registry accepts (the scheme's subclasses), so generated data never carries an A00A."""
    from bench.generate import EXTRA_SUBJECTS
    from ipops.demo_data import INDUSTRY_CORPUS

    symbols = [code for corpus in INDUSTRY_CORPUS.values() for code in corpus["ipc"]]
    symbols += [code for _subjects, codes in EXTRA_SUBJECTS.values() for code in codes]
    assert symbols and [code for code in symbols if ids.normalize_ipc(code) != code] == []
