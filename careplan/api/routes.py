"""Import every module that adds routes to the API blueprint, in one place."""

from audit import api as audit_api
from careplan.accounts import api as accounts_api
from careplan.agencies import api as agencies_api
from careplan.api import auth, openapi
from careplan.people import api as people_api
from careplan.plans import api as plans_api
from careplan.plans import care_team_api, sections_api
from careplan.protection import api as protection_api
from consent import api as consent_api

MODULES = (
    auth,
    openapi,
    people_api,
    plans_api,
    sections_api,
    care_team_api,
    agencies_api,
    accounts_api,
    consent_api,
    audit_api,
    protection_api,
)
