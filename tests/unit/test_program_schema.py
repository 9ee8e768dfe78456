"""Label references are found through the schema's types, not guessed from key names."""

from __future__ import annotations

from pydantic import BaseModel

from hosho.programs.schema import ANY, Label, Labels, RulesFile, Text, label_fields, label_refs


class Why(BaseModel):
    because: Label
    also: Labels = []


class Odd(BaseModel):
    clauses: list[Text]  # named like labels, but plain text
    grounds: dict[str, list[Why]]
    maybe: Label | None = None


def test_labels_are_found_at_any_depth_whatever_their_keys_are_called() -> None:
    odd = Odd(clauses=["ただの文"], grounds={"rain": [Why(because="第1条", also=["第2条", "第3条"])]}, maybe="第4条")
    assert list(label_refs(odd)) == [
        (("grounds", "rain", 0, "because"), "第1条"),
        (("grounds", "rain", 0, "also", 0), "第2条"),
        (("grounds", "rain", 0, "also", 1), "第3条"),
        (("maybe",), "第4条"),
    ]


def test_the_label_fields_of_a_schema_are_listed_with_wildcards() -> None:
    assert label_fields(Odd) == {("grounds", ANY, ANY, "because"), ("grounds", ANY, ANY, "also", ANY), ("maybe",)}
    rules = label_fields(RulesFile)
    assert ("requests", "claims", ANY, ANY) in rules
    assert ("causes", ANY, "clauses", ANY) in rules
    assert not any(field[:2] == ("changes", "fields") for field in rules)
