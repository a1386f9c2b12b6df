"""The default criteria template: five groups, each with sub-criteria and 1/3/5 anchors."""

from __future__ import annotations

from typing import Any

DEFAULT_TEMPLATE_NAME = "Accord default"


def _c(
    name: str, weight: int, one: str, three: str, five: str, description: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "weight": weight,
        "description": description,
        "anchor_1": one,
        "anchor_3": three,
        "anchor_5": five,
    }


DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {
        "name": "Technical expertise & industry knowledge",
        "weight": 30,
        "description": "Experience in the client's industry; depth in the required technologies.",
        "criteria": [
            _c(
                "Experience in the client's industry",
                50,
                "No delivered work in the industry.",
                "One or two comparable projects, no regulated work.",
                "Several delivered projects in the industry, including regulated ones.",
            ),
            _c(
                "Depth in the required technologies",
                50,
                "Claims the stack but shows no delivered work in it.",
                "Delivered work in most of the stack (AI, blockchain, cloud where required).",
                "Recognised depth in every required technology, with senior specialists named.",
            ),
        ],
    },
    {
        "name": "Scalability & flexibility",
        "weight": 15,
        "description": "Scaling the team up and down; adapting to market shifts.",
        "criteria": [
            _c(
                "Scaling the team up and down",
                60,
                "Cannot add engineers within a quarter; long release notice.",
                "Adds a few engineers within a month; notice of about a month.",
                "Adds the needed team within weeks and releases it on short notice.",
            ),
            _c(
                "Adapting to market shifts",
                40,
                "Fixed scope only; change requests are slow and costly.",
                "Re-plans each quarter with some friction.",
                "Re-plans each sprint; has pivoted products with clients before.",
            ),
        ],
    },
    {
        "name": "Security & compliance",
        "weight": 25,
        "description": "Certifications and regulations required; data-security policy.",
        "criteria": [
            _c(
                "Certifications and regulations",
                60,
                "A required certificate is missing or expired.",
                "Required certificates held; some lapse soon or lack an external audit.",
                "Every required certificate valid well beyond the start, externally audited.",
            ),
            _c(
                "Data-security policy",
                40,
                "No written security policy.",
                "A written policy, not evidently practised.",
                "A practised policy with incident response, access reviews and training.",
            ),
        ],
    },
    {
        "name": "Company culture & communication",
        "weight": 15,
        "description": "Cultural fit, working-hours overlap and responsiveness.",
        "criteria": [
            _c(
                "Cultural fit",
                30,
                "Works to the letter of the order; problems surface late.",
                "Cooperative; raises problems when asked.",
                "Acts as a partner: raises risks early and proposes improvements.",
            ),
            _c(
                "Working-hours overlap",
                40,
                "Under an hour of shared working time.",
                "Two to three shared hours a day.",
                "Four or more shared hours a day.",
            ),
            _c(
                "Responsiveness",
                30,
                "Answers take days; calls are missed.",
                "Answers within a working day or two; calls kept.",
                "Answers within hours; every call kept and prepared.",
            ),
        ],
    },
    {
        "name": "Cost",
        "weight": 15,
        "description": "Matters, but is never the whole story.",
        "criteria": [
            _c(
                "Transparency of pricing",
                50,
                "Prices TBD or variable; fees outside the rate card.",
                "A rate card with some gaps.",
                "A complete rate card and a clear pricing model, no extra fees.",
            ),
            _c(
                "Total cost for the scope",
                50,
                "Well above the budget range.",
                "Within the budget range.",
                "Comfortably within the budget for the full scope.",
            ),
        ],
    },
]
