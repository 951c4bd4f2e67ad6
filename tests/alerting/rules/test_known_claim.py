from alerting.engine import RuleEngine
from common.claims import load_registry
from common.schema import ClaimStance
from tests.alerting.factory import feed, mention, rule

CLAIM = "cam-rut-bhxh-mot-lan"
KNOWN = dict(type="known_claim", playbook="rumor", params={"window": "2h", "min_count": 3, "min_reach": 5000})


def spread(minutes: float, claim: str = CLAIM, stance=ClaimStance.spreads, reactions: int = 0):
    return mention("nghe nói sắp cấm rút BHXH một lần", minutes=minutes, claims=(claim,), stance=stance,
                   misinformation=stance is not ClaimStance.refutes, reactions=reactions)


def test_a_registry_claim_spreading_opens_with_its_text_in_the_title():
    engine = RuleEngine([rule(**KNOWN)])
    assert feed(engine, [spread(0), spread(10)]) == []
    (opened,) = feed(engine, [spread(20)])
    assert opened.key == CLAIM and opened.playbook == "rumor"
    assert load_registry().get(CLAIM).claim[:30] in opened.title
    assert opened.facts.claims == {CLAIM: 3} and opened.facts.misinformation_share == 1.0


def test_one_post_with_a_large_reach_is_enough():
    engine = RuleEngine([rule(**KNOWN)])
    (opened,) = feed(engine, [spread(0, reactions=6000)])
    assert opened.facts.extra["max_reach"] == 6000


def test_refutations_do_not_count():
    engine = RuleEngine([rule(**KNOWN)])
    assert feed(engine, [spread(i, stance=ClaimStance.refutes) for i in range(5)]) == []


def test_claims_outside_the_registry_are_ignored():
    engine = RuleEngine([rule(**KNOWN)])
    assert feed(engine, [spread(i, claim="khong-co-trong-so") for i in range(5)]) == []


def test_each_claim_is_its_own_episode():
    engine = RuleEngine([rule(**KNOWN)])
    both = [mention("cấm rút và vỡ quỹ", minutes=i, claims=(CLAIM, "quy-bhxh-vo-quy")) for i in range(3)]
    updates = feed(engine, both)
    assert sorted(u.key for u in updates) == sorted([CLAIM, "quy-bhxh-vo-quy"])
