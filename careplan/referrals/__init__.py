"""Referrals that close the loop (issue 19): a person referred to a service with their
consent travelling, answered by the receiving agency, followed by the referrer and seen
by the person. Statuses after HL7 FHIR Gravity's Task (`lifecycle`)."""
