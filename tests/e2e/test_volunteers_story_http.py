"""Acceptance of issue 10, volunteer teams (义工队), over HTTP: the blood-pressure story from
the request to confirmed visits and a certificate, API only.

A real API process (tests/e2e/conftest.py), the documents the frontend sends
(graphql/operations), each act by the person who does it with their own token: the grid
worker's request, the council's decision (its members vote), the cadre registers Golden
Harbour and refers the matter, the team's leader registers the volunteer and runs the
round, the volunteer reports, the elderly resident confirms, the leader issues the
certificate and prints it. Beta's cadre checks that none of it exists for them.

The one liberty taken with time: the round is "monthly on today's day of the month"
instead of on the 25th, so a visit falls today — the server's clock cannot be moved, and a
visit is reported on or after its day.
"""

from __future__ import annotations

import secrets

from services import localtime
from tests.e2e.story_support import Api, council_decides, make_home, register_matter


async def test_the_blood_pressure_request_from_referral_to_certificate(
    gql, operation, settings, token, e2e_data, http
):
    api = Api(gql, operation)
    tag = secrets.token_hex(3)
    cadre, beta = token("cadre_a"), token("cadre_b")
    today = localtime.today()
    grid = await api("createGrid", cadre, input={"code": f"vol-{tag}", "name": "金港网格"})
    g = grid["id"]
    elder = await make_home(
        api, settings, cadre, g, f"望海巷9号 {tag}", ["王大爷"], tag, ("ELDERLY_LIVING_ALONE",)
    )
    leader_home = await make_home(api, settings, cadre, g, f"金港路1号 {tag}", ["黄志远"], tag)
    doctor_home = await make_home(api, settings, cadre, g, f"金港路2号 {tag}", ["李医生"], tag)
    leader, doctor, resident = leader_home.tokens[0], doctor_home.tokens[0], elder.tokens[0]

    # The request, and the council deciding it is the household's own (私事).
    request = await register_matter(
        api, cadre, elder, category="elderly_care", title="每月上门量血压",
        description="独居老人希望每月有人上门量血压", occurredOn=today.isoformat(),
    )  # fmt: skip
    await council_decides(api, settings, cadre, g, tag, {request["id"]: "PRIVATE"})

    # Golden Harbour: registered by the cadre, led by 黄志远, who registers 李医生.
    team = await api(
        "registerGroup", cadre,
        input={"kind": "VOLUNTEER_TEAM", "nameZh": f"金色港湾义工队 {tag}",
               "purpose": "走访独居老人", "foundedOn": today.isoformat()},
    )  # fmt: skip
    await api(
        "addGroupMember", cadre, groupId=team["id"],
        input={"householdId": leader_home.id, "residentId": leader_home.residents[0],
               "joinedOn": today.isoformat(), "role": "LEADER"},
    )  # fmt: skip
    consent = {"givenOn": today.isoformat(), "how": "WRITTEN", "note": "志愿者登记表"}
    no_consent = await api(
        "registerVolunteer", leader, teamId=team["id"],
        input={"joinedOn": today.isoformat(), "residentId": doctor_home.residents[0]},
    )  # fmt: skip
    assert no_consent["code"] == "CONSENT_REQUIRED", no_consent
    volunteer = await api(
        "registerVolunteer", leader, teamId=team["id"],
        input={"joinedOn": today.isoformat(), "residentId": doctor_home.residents[0],
               "consent": consent, "skills": ["BLOOD_PRESSURE"],
               "availableWeekdays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
                                     "SATURDAY", "SUNDAY"]},
    )  # fmt: skip
    assert volunteer["__typename"] == "Volunteer", volunteer
    mine = await api("myVolunteering", doctor)
    assert [v["id"] for v in mine["myVolunteering"]] == [volunteer["id"]]

    # The round, for every elderly person living alone.
    bad = await api(
        "createVolunteerService", leader, teamId=team["id"],
        input={"titleZh": "量血压", "rrule": "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2",
               "startsOn": today.isoformat(), "targetKind": "LIST"},
    )  # fmt: skip
    assert bad["code"] == "RECURRENCE_NEVER_OCCURS", bad
    service = await api(
        "createVolunteerService", leader, teamId=team["id"],
        input={"titleZh": "每月上门量血压", "rrule": f"FREQ=MONTHLY;BYMONTHDAY={today.day}",
               "startsOn": today.isoformat(), "targetKind": "CIRCUMSTANCE",
               "targetCircumstance": "ELDERLY_LIVING_ALONE", "skill": "BLOOD_PRESSURE",
               "hoursDefault": "1.5"},
    )  # fmt: skip
    assert service["__typename"] == "VolunteerService", service

    # The cadre refers the request to the team, with the resident's consent: help follows.
    referral = await api(
        "referMatterToVolunteerTeam", cadre, matterId=request["id"], teamId=team["id"],
        input={"serviceId": service["id"], "note": "请每月上门量血压",
               "consent": {"by": "王大爷本人", "on": today.isoformat(), "note": "当面同意"}},
    )  # fmt: skip
    assert (referral["__typename"], referral["status"]) == ("Referral", "REFERRED"), referral
    shown = await api("matterVolunteerHelp", cadre, matterId=request["id"])
    (help_,) = shown["matter"]["volunteerHelp"]
    assert help_["summaryZh"] == f"金色港湾义工队 {tag} · 下次服务 {today.month}月{today.day}日"
    assert help_["nextVisit"] == {"day": today.isoformat(), "status": "PLANNED"}

    # Today's visit: the leader assigns the suggested volunteer; she reports; he confirms.
    span = {"first": today.isoformat(), "last": today.isoformat()}
    services = await api("teamServices", leader, teamId=team["id"], **span)
    (round_,) = [s for s in services["group"]["volunteerServices"] if s["id"] == service["id"]]
    (visit,) = [v for v in round_["visits"] if v["householdId"] == elder.id]
    suggested = await api("visitSuggestions", leader, visitId=visit["id"])
    assert suggested["visitSuggestions"][0]["volunteerId"] == volunteer["id"]
    assigned = await api("assignVisit", leader, visitId=visit["id"], volunteerId=volunteer["id"])
    assert assigned["volunteerId"] == volunteer["id"], assigned
    reported = await api(
        "reportVisit", doctor, visitId=visit["id"],
        input={"done": True, "notes": "血压 135/85，精神很好", "hours": "1.5",
               "reading": {"systolic": 135, "diastolic": 85, "pulse": 72}},
    )  # fmt: skip
    assert (reported["status"], reported["hours"]) == ("DONE", "1.50"), reported
    seen = await api("householdVolunteerVisits", resident, householdId=elder.id, **span)
    (own,) = seen["household"]["volunteerVisits"]
    assert own["reading"] == {"systolic": 135, "diastolic": 85, "pulse": 72, "note": ""}
    by_cadre = await api("householdVolunteerVisits", cadre, householdId=elder.id, **span)
    assert by_cadre["household"]["volunteerVisits"][0]["reading"] is None  # health data
    confirmed = await api("confirmVisit", resident, visitId=visit["id"])
    assert confirmed["confirmedAt"], confirmed
    help_ = (await api("matterVolunteerHelp", cadre, matterId=request["id"]))["matter"]
    assert help_["volunteerHelp"][0]["lastVisit"] == {
        "day": today.isoformat(),
        "status": "DONE",
        "notes": "血压 135/85，精神很好",
    }

    # Her hours, and the certificate the leader issues and prints.
    hours = await api(
        "volunteerHours", doctor, volunteerId=volunteer["id"],
        first=today.replace(day=1).isoformat(), last=today.isoformat(),
    )  # fmt: skip
    assert [(h["hours"], h["visits"]) for h in hours["volunteerHours"]] == [("1.50", 1)]
    certificate = await api(
        "issueVolunteerCertificate", leader, volunteerId=volunteer["id"],
        periodFrom=today.replace(day=1).isoformat(), periodTo=today.isoformat(),
        responsiblePerson="黄志远",
    )  # fmt: skip
    assert certificate["__typename"] == "VolunteerCertificate", certificate
    assert (certificate["volunteerName"], certificate["hours"]) == ("李医生", "1.50")
    page = await http.get(certificate["pagePath"], headers={"Authorization": f"Bearer {leader}"})
    assert page.status_code == 200 and certificate["number"] in page.text
    assert "志愿服务记录证明" in page.text and "李医生" in page.text

    # Beta's cadre: none of it exists for them.
    nothing = await api(
        "volunteerCertificate", beta, community="beta", number=certificate["number"]
    )
    assert nothing["volunteerCertificate"] is None
    foreign = await http.get(certificate["pagePath"], headers={"Authorization": f"Bearer {beta}"})
    assert foreign.status_code == 404
