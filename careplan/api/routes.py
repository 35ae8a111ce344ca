"""Import every module that adds routes to the API blueprint, in one place."""

from careplan.accounts import api as accounts_api
from careplan.admin import api as admin_api
from careplan.api import auth, openapi
from careplan.ask_and_act import api as ask_and_act_api
from careplan.chronology import api as chronology_api
from careplan.continuity import api as continuity_api
from careplan.corrections import api as corrections_api
from careplan.crisis import api as crisis_api
from careplan.directory import api as directory_api
from careplan.ig import api as ig_api
from careplan.meetings import api as meetings_api
from careplan.notifications import api as notifications_api
from careplan.people import api as people_api
from careplan.plans import api as plans_api
from careplan.plans import care_team_api, sections_api
from careplan.records import api as records_api
from careplan.referrals import api as referrals_api
from careplan.subject_access import api as subject_access_api
from careplan.supporters import api as supporters_api
from careplan.tasks import api as tasks_api
from consent import api as consent_api

MODULES = (
    auth,
    openapi,
    records_api,  # before people_api: /people/duplicates and /people/merge are not ids
    people_api,
    plans_api,
    sections_api,
    care_team_api,
    admin_api,
    accounts_api,
    consent_api,
    ig_api,
    subject_access_api,
    directory_api,
    notifications_api,
    tasks_api,
    meetings_api,
    corrections_api,
    crisis_api,
    chronology_api,
    referrals_api,
    continuity_api,
    ask_and_act_api,
    supporters_api,
)
