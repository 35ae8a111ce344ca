"""Supporters: family, carers and independent advocates the person shows parts of their
plan to, until a date (issue 20; basis `supporter:<id>`, careplan.access.ties.Supporter)."""
