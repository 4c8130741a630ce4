"""The demo story's fixed figures and words: the programme's size, the teams and the people's names,
how generous or harsh each manager grades, and the texts the invented records are written with.

Changing a figure here changes the demo (and the tests that pin its figures); ``db.demo`` says how
the story is told.
"""
from __future__ import annotations

from core.grades import Grade

SEED = 20200601
WEEKS = 12
EXTERNAL_AUDITS = {"assessment": 87, "front_door": 63, "neglect": 105, "risk": 65, "repeat_s47": 66}
TARGETS = {"assessment": 90, "front_door": 65, "neglect": 105, "risk": 70, "repeat_s47": 66}
AUDITS_PER_WEEK = (20, 28, 32, 34, 34, 34, 34, 34, 34, 34, 34, 34)
MODERATED_INTERNAL = 33
MENTORING_MEETINGS = 101
# The moderation story has its own generator, so that tuning it never moves any other demo figure.
MODERATION_SEED = 20201012

DEMO_MANAGER_TEAM = "Assessment North"
GENEROUS_MANAGER_TEAM = "Child in Need West"
HARSH_MANAGER_TEAM = "Children Looked After"
# How far a manager's first grades sit from the agreed grade on average (grade points), and how
# scattered a first grade is around it in the first and the last week of moderation: feedback works.
MANAGER_LEAN = {GENEROUS_MANAGER_TEAM: 0.75, HARSH_MANAGER_TEAM: -0.7}
FIRST_GRADE_SCATTER = (1.3, 0.5)
MODERATOR_SCATTER = 0.4

TEAMS = (
    ("Front Door (MASH)", "Front door"),
    ("Assessment North", "Assessment"),
    ("Assessment South", "Assessment"),
    ("Child in Need East", "Safeguarding and CIN"),
    ("Child in Need West", "Safeguarding and CIN"),
    ("Child Protection", "Safeguarding and CIN"),
    ("Neglect and Long-term", "Safeguarding and CIN"),
    ("Children Looked After", "Children looked after"),
)
# Which teams' cases each theme audits.
THEME_TEAMS = {
    "assessment": ("Assessment North", "Assessment South"),
    "front_door": ("Front Door (MASH)",),
    "neglect": ("Neglect and Long-term", "Child in Need East", "Child in Need West", "Child Protection"),
    "risk": ("Child Protection", "Child in Need East", "Child in Need West", "Children Looked After"),
    "repeat_s47": ("Child Protection", "Assessment North", "Assessment South"),
}
# A weaker team shows on every heatmap; a stronger one too.
TEAM_EFFECT = {"Neglect and Long-term": -0.45, "Child in Need West": -0.2, "Front Door (MASH)": 0.25}

OTHER_AUDITORS = (("b.okafor", "Bernadette Okafor"), ("c.price", "Colin Price"), ("d.shah", "Deepa Shah"))
MANAGER_NAMES = ("Rachel Hughes", "Tom Ellison", "Grace Adeyemi", "Mark Doyle", "Helen Fraser", "Imran Qureshi", "Lucy Barnes")
FIRST_NAMES = (
    "Amira Aisha Ben Bethany Callum Carys Daniel Dee Eleanor Emeka Fatima Finn Gemma Harvey Isla Jack Jasmine "
    "Kai Kerry Laura Liam Maya Nadia Niall Olivia Owen Priya Rhys Rosa Ryan Sadia Sean Tara Theo Una Vikram "
    "Wendy Yusuf Zara Adam Bronwen Ciaran Dami Erin Farah Gareth Hana Ivor Jade Kofi Lena Marcus Nina Oscar "
    "Poppy Rowan Saffron Tobias Ursula"
).split()
LAST_NAMES = (
    "Ashworth Bell Carter Dunn Evans Fletcher Gill Hart Iqbal Jones Kaur Lowe Mason Nash Oakes Parry Reid Shaw "
    "Turner Underwood Vance Walsh Young Zaman"
).split()

ACTION_TEXTS = (
    "Update the chronology to include the previous referrals and their outcomes.",
    "See the child alone and record their wishes and feelings in their own words.",
    "Hold a strategy discussion with police, health and education and record the outcome.",
    "Complete a Graded Care Profile 2 and use it to set the plan's outcomes.",
    "Add a contingency plan to the safety plan.",
    "Record the manager's rationale for the threshold decision.",
    "Assess the father and other significant adults in the household.",
    "Rewrite the plan's outcomes so that they are specific, measurable and timed.",
    "Share the outcome of the enquiry with the family and the referrer and record it.",
    "Analyse what daily life is like for the child, not just what happened.",
)
COMPLETION_NOTES = (
    "Chronology updated in the case record.",
    "Child seen alone at school; views recorded on the visit form.",
    "Strategy discussion held; minutes uploaded to the record.",
    "GCP2 completed with the family and attached.",
    "Plan revised and agreed with the manager in supervision.",
)
RATIONALES = {
    Grade.OUTSTANDING: "Exceptional, well-evidenced practice; analysis is clear and the child's experience drives it.",
    Grade.GOOD: "Evidence in the record meets the standard; analysis is present and proportionate.",
    Grade.REQUIRES_IMPROVEMENT: "Some evidence, but mostly description rather than analysis; gaps noted.",
    Grade.INADEQUATE: "Not evidenced in the record; the gap leaves the child's needs or risks unclear.",
    Grade.NOT_APPLICABLE: "Not applicable to this case.",
}
# First auditors' rationales: several per grade, naming the question's domain, so that no two
# audits read alike and the moderation comparison reads as real (chosen without the seeded
# random generator, so every figure of the demo stays the same).
FIRST_RATIONALES = {
    Grade.OUTSTANDING: (
        "Exceptional, well-evidenced practice; analysis is clear and the child's experience drives it.",
        "Consistently strong: {d} is analysed with the child's own words and a clear line to the plan.",
        "Model practice on {d}: history, partner views and the child's voice are weighed, not just listed.",
    ),
    Grade.GOOD: (
        "Evidence in the record meets the standard; analysis is present and proportionate.",
        "{D} is evidenced and up to date; the analysis is proportionate though brief in places.",
        "Sound work on {d}: the key facts are recorded and their meaning for the child is explained.",
    ),
    Grade.REQUIRES_IMPROVEMENT: (
        "Some evidence, but mostly description rather than analysis; gaps noted.",
        "{D} is touched on but not analysed; what it means for the child is left unsaid.",
        "Partial: {d} relies on one visit and the mother's account; fathers and partners are missing.",
    ),
    Grade.INADEQUATE: (
        "Not evidenced in the record; the gap leaves the child's needs or risks unclear.",
        "Nothing recorded on {d} for over three months; the child's situation cannot be judged.",
        "{D} is contradicted by the chronology; the risk to the child is not recognised.",
    ),
}



LIVED_EXPERIENCE_TEXTS = (
    "The record describes the child's school days, who they spend time with and how they feel at home, "
    "with their own words from a visit where they were seen alone.",
    "The child's daily routine, meals, sleep and school attendance are described and linked to the worries "
    "about neglect; the child's wish to stay with their grandmother is recorded.",
    "Visits record observations of the child at home and at nursery, and what a typical day looks like, "
    "but the analysis of what this means for the child is brief.",
)
FEEDBACK_TEXTS = (
    "Lived experience was described rather than analysed; Good here means saying what the child's day is like "
    "and what it means for them.",
    "The risk analysis was generous: the record has no contingency plan, so the risk question is Requires improvement.",
    "Grades matched on most questions; the chronology was weaker than graded because earlier referrals are missing.",
    "Management oversight is visible at decision points; agreed. The plan's outcomes are not yet SMART.",
)
RISK_TEXTS = (
    "Repeated Red audits for lived experience in this team; mentoring agreed with the manager.",
    "Overdue remedial actions are accumulating; business support to chase weekly.",
    "Practitioner has two Inadequate risk analyses; supervision plan agreed.",
    "Drift in neglect cases: several children at the same level for more than six months.",
    "Staffing gaps are delaying strategy discussions.",
)
