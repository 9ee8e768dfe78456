"""Integer yen and exact rates. No binary floating point on any money path."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import NewType

Yen = NewType("Yen", int)


@dataclass(frozen=True, slots=True)
class Rate:
    """An exact percentage such as 2.25%, kept as numerator / denominator of a fraction of 1."""

    numerator: int
    denominator: int

    @classmethod
    def parse_percent(cls, text: str) -> Rate:
        """Parse "2.25%" (or "2.25") exactly; raises ValueError on anything else."""
        raw = text.strip().removesuffix("%").strip()
        if not raw or raw.startswith(("+", "-")) or raw.count(".") > 1 or not raw.replace(".", "").isdigit():
            raise ValueError(f"not a percentage: {text!r}")
        fraction = Fraction(raw) / 100
        return cls(fraction.numerator, fraction.denominator)

    def apply_floor(self, amount: int) -> Yen:
        """amount × rate, rounded down to the yen (円未満切り捨て)."""
        return Yen(amount * self.numerator // self.denominator)

    def __str__(self) -> str:
        percent = Fraction(self.numerator * 100, self.denominator)
        if percent.denominator == 1:
            return f"{percent.numerator}%"
        digits = 0
        while (percent * 10**digits).denominator != 1 and digits < 6:
            digits += 1
        scaled = percent.numerator * 10**digits // percent.denominator
        whole, frac = divmod(scaled, 10**digits)
        return f"{whole}.{frac:0{digits}d}%"


def yen_text(amount: int) -> str:
    """Japanese display: 12,345円."""
    return f"{amount:,}円"
