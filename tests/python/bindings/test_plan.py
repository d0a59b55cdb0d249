"""Plans: Plan.from_yaml of the examples, its errors (the command line's), Plan.from_text and
Plan.from_dict (a dict written out by hand from the Xuyi YAML: yaml.safe_load would turn `010`
into 8 and `yes` into True, which is why from_dict takes Python values, not YAML's guesses)."""
import copy
import datetime
import json
from decimal import Decimal

import pytest

import subsidy
from conftest import XUYI_PLAN, cli_error, golden, raises_exactly, run_cli


def test_from_yaml_of_the_examples(xuyi_plan, chengdu_plan):
    assert (xuyi_plan.name, xuyi_plan.as_of) == ("xuyi-2023-h1", "2023-06-30")
    assert xuyi_plan.programs == ["tax-contribution", "sales-contribution", "startup-rent"]
    assert xuyi_plan.pools == ["county-base-fund"]
    assert (chengdu_plan.name, chengdu_plan.as_of) == ("chengdu-2023", "2023-12-31")
    assert chengdu_plan.programs == ["tech-rent", "specialised"]
    assert chengdu_plan.pools == ["central-lcsf", "city-sme"]
    assert xuyi_plan.text == XUYI_PLAN.read_text(encoding="utf-8")
    assert repr(xuyi_plan) == "<subsidy.Plan 'xuyi-2023-h1' as of 2023-06-30: 3 programs>"


def test_from_yaml_of_a_missing_file_raises_not_found(tmp_path):
    path = tmp_path / "no-plan.yaml"
    message = f"cannot open plan {path}"
    error = raises_exactly(subsidy.NotFoundError, message, subsidy.Plan.from_yaml, path)
    assert isinstance(error, KeyError)
    assert message == cli_error("validate", "--plan", path)


@pytest.mark.parametrize("old, new, message", [
    ("reserve: 5%", "reserv: 5%", ':13: pools[0]: unknown key "reserv"; did you mean "reserve"?'),
    ("received: 80万", "received: 800000.001",
     ':12: pools[0] (county-base-fund).received: amount "800000.001" is finer than a fen'),
], ids=["unknown-key", "finer-than-fen"])
def test_from_yaml_errors_are_the_command_lines(tmp_path, old, new, message):
    path = tmp_path / "plan.yaml"
    text = XUYI_PLAN.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    expected = cli_error("validate", "--plan", path)
    assert expected == f"{path}{message}"
    raises_exactly(ValueError, expected, subsidy.Plan.from_yaml, path)
    # from_text names the file it is given, or <text>
    changed = path.read_text(encoding="utf-8")
    raises_exactly(ValueError, f"<text>{message}", subsidy.Plan.from_text, changed)
    raises_exactly(ValueError, f"mine.yaml{message}", subsidy.Plan.from_text, changed, "mine.yaml")


def test_validate_accepts_what_from_yaml_accepts():
    printed = run_cli("validate", "--plan", XUYI_PLAN)
    assert printed.startswith(f"{XUYI_PLAN}: plan xuyi-2023-h1 is valid")


XUYI = {
    "plan": "xuyi-2023-h1",
    "fiscal_year": 2023,
    "as_of": "2023-06-30",
    "round": {"unit": "yuan", "mode": "down"},
    "pools": [{
        "id": "county-base-fund", "name": "县小企业创业基地扶持资金", "level": "county",
        "received": "80万", "reserve": "5%", "scarcity": "pro_rata"}],
    "programs": [
        {"id": "tax-contribution", "name": "入库税金贡献奖", "pool": "county-base-fund",
         "group": "base-support",
         "eligible": 'region == "320830" and has_tag("入驻基地") and tax_paid >= 20万',
         "award": {"tiers": {"base": "tax_paid", "bands": [
             {"from": "20万", "award": "2万"}, {"from": "50万", "award": "5万"},
             {"from": "100万", "award": "10万"}, {"from": "300万", "rate": "5%"}]}},
         "cap": "20万"},
        {"id": "sales-contribution", "name": "开票销售贡献奖", "pool": "county-base-fund",
         "group": "base-support",
         "eligible": 'region == "320830" and has_tag("入驻基地") and sales_invoiced >= 1000万',
         "award": {"brackets": {"base": "sales_invoiced", "bands": [
             {"from": "1000万", "rate": "0.5%"}, {"from": "5000万", "rate": "0.3%"},
             {"from": "1亿", "rate": "0.1%"}]}},
         "cap": "30万"},
        {"id": "startup-rent", "name": "初创企业入驻租金补贴", "pool": "county-base-fund",
         "budget": "6万",
         "eligible": 'region == "320830" and has_tag("入驻基地") and age_years(registered_on) < 3 '
                     "and rent_paid > 0",
         "award": {"rate": "50%", "of": "rent_paid"},
         "cap": "3万",
         "scarcity": {"method": "priority", "rank_by": ["registered_on asc"], "partial": False}},
    ],
    "stacking": [{"group": "base-support", "rule": "highest"}],
}


def assert_allocates_like_the_xuyi_file(plan, roster):
    run = subsidy.allocate(plan, roster)
    assert run.awards_csv().encode() == golden("xuyi", "awards.csv").read_bytes()
    assert run.pools_csv().encode() == golden("xuyi", "pools.csv").read_bytes()


def test_from_dict_equals_the_yaml_file(roster_small):
    plan = subsidy.Plan.from_dict(XUYI)
    assert (plan.name, plan.as_of, plan.programs, plan.pools) == (
        "xuyi-2023-h1", "2023-06-30", ["tax-contribution", "sales-contribution", "startup-rent"],
        ["county-base-fund"])
    assert_allocates_like_the_xuyi_file(plan, roster_small)


def test_from_dict_with_decimals_ints_floats_and_dates(roster_small):
    plan = copy.deepcopy(XUYI)
    plan["as_of"] = datetime.date(2023, 6, 30)
    pool = plan["pools"][0]
    pool["received"] = 800000                      # an int is yuan
    pool["reserve"] = Decimal("40000.00")          # 5% of 80万, as an amount
    tax, sales, rent = plan["programs"]
    tax["cap"] = Decimal("200000")
    tax["award"]["tiers"]["bands"][0]["from"] = 200000
    tax["award"]["tiers"]["bands"][3]["rate"] = Decimal("0.05")
    sales["award"]["brackets"]["bands"][0]["rate"] = 0.005     # a float as Python prints it
    sales["award"]["brackets"]["bands"][2]["from"] = Decimal("100000000")
    rent["budget"] = Decimal("60000")
    rent["award"]["rate"] = 0.5
    converted = subsidy.Plan.from_dict(plan)
    assert converted.as_of == "2023-06-30"
    assert_allocates_like_the_xuyi_file(converted, roster_small)


def test_from_dict_with_decimals_in_exponent_form(roster_small):
    plan = copy.deepcopy(XUYI)
    plan["pools"][0]["received"] = Decimal("80") * Decimal("1E4")
    assert str(plan["pools"][0]["received"]) == "8.0E+5"
    plan["programs"][0]["cap"] = Decimal("2E+5")
    assert_allocates_like_the_xuyi_file(subsidy.Plan.from_dict(plan), roster_small)


def test_from_dict_keeps_ids_as_text():
    # What YAML 1.1 would have read as 8 and True stays text: the plan sees "010" and "yes".
    plan = copy.deepcopy(XUYI)
    plan["plan"] = "010"
    plan["pools"][0]["id"] = "010"
    plan["pools"][0]["name"] = "yes"
    for program in plan["programs"]:
        program["pool"] = "010"
    converted = subsidy.Plan.from_dict(plan)
    assert (converted.name, converted.pools) == ("010", ["010"])


@pytest.mark.parametrize("where, key, message", [
    (lambda plan: plan, "bogus", '<dict>:{line}: plan: unknown key "bogus"'),
    (lambda plan: plan["pools"][0], "recieved",
     '<dict>:{line}: pools[0]: unknown key "recieved"; did you mean "received"?'),
    (lambda plan: plan["programs"][1]["award"]["brackets"]["bands"][0], "rat",
     '<dict>:{line}: programs[1] (sales-contribution).award.brackets.bands[0]: unknown key "rat"; '
     'did you mean "rate"?'),
], ids=["top", "pool", "band"])
def test_from_dict_unknown_key_names_its_path(where, key, message):
    plan = copy.deepcopy(XUYI)
    where(plan)[key] = "1"
    with pytest.raises(ValueError) as caught:
        subsidy.Plan.from_dict(plan)
    # The line is of the JSON text the dict is written as; the path is what names the place.
    line = str(caught.value).split(":")[1]
    assert line.isdigit()
    assert str(caught.value) == message.format(line=line)


def test_from_dict_file_name_prefixes_errors():
    plan = copy.deepcopy(XUYI)
    plan["pools"][0]["received"] = True
    with pytest.raises(ValueError) as caught:
        subsidy.Plan.from_dict(plan, file_name="budget.json")
    assert str(caught.value).startswith("budget.json:")
    assert str(caught.value).endswith(
        ': pools[0] (county-base-fund).received: invalid amount "true": expected a number of yuan '
        "such as 1234.5, 1_000, 50万 or 8.1亿")


def test_from_dict_refuses_values_it_cannot_write():
    plan = copy.deepcopy(XUYI)
    plan["pools"][0]["received"] = object()
    with pytest.raises(TypeError, match="^a plan value cannot be object: "):
        subsidy.Plan.from_dict(plan)


def test_from_text_of_json(roster_small):
    plan = subsidy.Plan.from_text(json.dumps(XUYI, ensure_ascii=False), "xuyi.json")
    assert_allocates_like_the_xuyi_file(plan, roster_small)


def test_plans_are_reusable_over_rosters(chengdu_plan, roster_small):
    first = subsidy.allocate(chengdu_plan, roster_small)
    frame = roster_small.to_pandas().drop(columns=["size"])
    second = subsidy.allocate(chengdu_plan, subsidy.Roster.from_pandas(frame))
    assert first.awards_csv() == second.awards_csv() == golden("chengdu", "awards.csv").read_text(
        encoding="utf-8")
