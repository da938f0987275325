"""Ordered processing of domain events: lifecycle transition, then its effects through ports."""
