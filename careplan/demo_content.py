"""What the demo people's plans say: realistic, invented, structured as practice is."""

SARAH = {
    "about_me": {
        "my_story": "I have been using heroin on and off since I was 19. I lost my tenancy "
        "last year after my relationship broke down. I want to be near my son.",
        "what_matters": [
            "Seeing my son every week",
            "Staying on my script",
            "A safe place of my own",
        ],
        "communication": {
            "preferred_contact": "text",
            "best_times": "Mornings",
            "interpreter_needed": False,
        },
    },
    "goals": {
        "goals": [
            {
                "id": "sarah-tenancy",
                "goal": "Move into my own tenancy",
                "status": "in_progress",
                "set_on": "2026-09-01",
                "review_on": "2026-12-01",
                "actions": [
                    {
                        "action": "Bid on suitable properties",
                        "who": "Sarah",
                        "status": "in_progress",
                    },
                    {
                        "action": "Apply for a community care grant for white goods",
                        "who": "Housing support worker",
                        "agency": "Council housing support",
                        "by_when": "2026-12-15",
                        "status": "to_do",
                    },
                ],
            },
            {
                "id": "sarah-prescription",
                "goal": "Stay on my methadone prescription",
                "status": "in_progress",
                "actions": [
                    {"action": "Weekly pharmacy pick-up", "who": "Sarah", "status": "done"}
                ],
            },
        ]
    },
    "housing": {
        "current_accommodation": {
            "type": "temporary_accommodation",
            "tenure": "occupancy_agreement",
            "since": "2026-08-10",
            "shared": True,
            "safe": False,
        },
        "housing_history": [
            {
                "type": "social_rented",
                "address_area": "Leith",
                "from": "2019-03-01",
                "to": "2025-11-20",
                "reason_left": "abandoned",
            }
        ],
        "preferred_areas": ["Gorgie", "Dalry"],
        "areas_to_avoid": [{"area": "Leith Walk", "reason": "Former associates"}],
        "people_to_avoid": [{"description": "Ex-partner", "reason": "Domestic abuse"}],
        "safety_needs": {"no_mixed_gender_shared": True, "away_from_substance_use": True},
        "homeless_application": {
            "status": "assessed_homeless",
            "council": "City of Edinburgh",
            "applied_on": "2026-08-05",
            "decision_on": "2026-08-30",
        },
        "offers": [
            {
                "offered_on": "2026-10-02",
                "area": "Leith",
                "outcome": "refused",
                "refusal_reason": "In an area Sarah must avoid for her safety",
            }
        ],
        "tenancy_sustainment": [{"action": "Set up rent direct payment", "status": "to_do"}],
    },
    "money": {
        "income": [
            {"source": "universal_credit", "amount_per_month": "393.45", "status": "receiving"}
        ],
        "everyday_needs": {"food": "partly_met", "heating": "met", "white_goods": "unmet"},
    },
    "substance_use": {
        "treatment": {"service": "NHS Lothian ART", "ost": "methadone", "started_on": "2026-06-01"},
        "harm_reduction": {
            "naloxone_supplied": True,
            "naloxone_supplied_on": "2026-09-01",
            "overdose_history": True,
        },
    },
    "safety": {
        "risk_assessment": {
            "assessed_on": "2026-09-01",
            "level": "medium",
            "risks": [{"type": "overdose"}, {"type": "domestic_abuse"}],
            "do_not_visit_alone": True,
            "visiting_notes": "Her ex-partner may be at the flat. Meet at the hub if unsure.",
        },
        "safety_plan": {
            "warning_signs": ["Stops answering her phone", "Misses her script"],
            "people_to_contact": [{"name": "Sister", "phone": "07700 900123"}],
            "crisis_steps": ["Call her sister", "Call NHS 24 on 111"],
        },
    },
    "contacts": {
        "crisis_contacts": [{"name": "Sister", "relationship": "Sister", "phone": "07700 900123"}]
    },
}

JOHN = {
    "about_me": {
        "my_story": "Ex-forces. Drinking got out of hand after I left the army.",
        "what_matters": ["Keeping my dog", "Getting back to work"],
    },
    "housing": {
        "current_accommodation": {"type": "hostel", "tenure": "licence", "since": "2026-07-01"},
        "safety_needs": {"pets": True},
    },
    "justice": {
        "orders": [
            {
                "type": "cpo",
                "start": "2026-05-01",
                "end": "2027-05-01",
                "conditions": ["Unpaid work: 120 hours", "Alcohol treatment"],
            }
        ]
    },
}

# Craig stepped down to the recovery cafe (his plan is closed; issue 20).
CRAIG = {
    "about_me": {
        "my_story": "Two years sober. I help out at the cafe on Tuesdays and I want to keep "
        "it that way.",
        "what_matters": ["Staying sober", "Volunteering at the cafe"],
        "communication": {"preferred_contact": "phone", "interpreter_needed": False},
    },
    "goals": {
        "goals": [
            {
                "id": "craig-flat",
                "goal": "Keep my flat and my volunteering going",
                "status": "achieved",
                "set_on": "2026-09-01",
            }
        ]
    },
}

CONTENT = {"1204881235": SARAH, "3009754566": JOHN, "1506821235": CRAIG}
