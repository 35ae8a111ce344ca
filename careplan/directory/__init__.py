"""The service directory: who offers what, where, for whom, and how to refer (issue 19).

Shaped after Open Referral's Human Services Data Specification 3.0 (organization,
service, location, service_at_location, taxonomy_term, attribute, service_area), filled
from ALISS (A Local Information System for Scotland, API v4) or any HSDS 3.0 source, and
completed here with what those sources do not hold: eligibility, age limits, thresholds,
how to refer, opening hours, accessibility, and the agency on this platform that takes
referrals. It holds no one's personal data: any signed-in account may read it
(`careplan.access.rules.REFERENCE`).
"""
