"""Retailer files: bulk enrolment from CSV (import.md)."""
