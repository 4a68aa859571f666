"""The satisfaction survey after an agent resolves a conversation: asked once, 1 to 5.

The state keeps `survey_asked` (never twice per conversation) and, while an answer is
expected, `survey` = "score" or "comment". While it is, the inbox keeps the resolved
conversation as the chat's current one, so the answer lands on the conversation it rates and
opens nothing. A customer who writes something else instead is not held up: the survey is
dropped and the message begins the chat's next conversation (`flows.decide`).
"""

from __future__ import annotations

from typing import Any

from core.actions import SURVEY_AWAITED, FlowResult, Reply, SaveSurvey, Turn
from core.events import Button
from flows.intents import survey_score
from flows.talk import Talk

SCORE_PREFIX = "survey:"
SKIP_COMMENT = "survey:skip"
MAX_COMMENT = 2000


def ask(state: dict[str, Any], talk: Talk) -> FlowResult:
    settings = talk.config.survey
    if not settings.enabled or state.get("survey_asked"):
        return FlowResult(state=state)
    _ = talk._
    labels = {5: _("Excellent"), 4: _("Good"), 3: _("Okay"), 2: _("Bad"), 1: _("Very bad")}
    asked = {**state, "survey_asked": True, SURVEY_AWAITED: "score"}
    return FlowResult(state=asked, actions=(Reply(
        text=settings.question or _("Thank you for contacting us. How satisfied are you with "
                                    "our help, from 1 (very bad) to 5 (excellent)?"),
        buttons=tuple(Button(title=f"{talk.number(score)} {labels[score]}",
                             payload=f"{SCORE_PREFIX}{score}") for score in range(1, 6))),))


def answer(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult | None:
    """The customer's score or comment; None when the message is not an answer."""
    _ = talk._
    waiting_for = state.get(SURVEY_AWAITED)
    without = finished(state)
    if waiting_for == "score":
        score = _score(turn)
        if score is None:
            return None
        return FlowResult(state={**state, SURVEY_AWAITED: "comment"}, actions=(
            SaveSurvey(score=score),
            Reply(text=talk.config.survey.comment_prompt or _(
                "Thank you! Would you like to tell us anything more? Write it here, or press "
                "the button."),
                buttons=(Button(title=_("No, thanks"), payload=SKIP_COMMENT),)),
        ))
    if waiting_for == "comment":
        thanks = Reply(text=talk.config.survey.thanks or _("Thank you for your answer."))
        if turn.button_payload == SKIP_COMMENT:
            return FlowResult(state=without, actions=(thanks,))
        comment = (turn.text or "").strip()
        if not comment or turn.button_payload is not None:
            return None
        return FlowResult(state=without, actions=(
            SaveSurvey(comment=comment[:MAX_COMMENT]), thanks))
    return None


def finished(state: dict[str, Any]) -> dict[str, Any]:
    """The state without the survey: no answer is expected any more."""
    return {key: value for key, value in state.items() if key != SURVEY_AWAITED}


def _score(turn: Turn) -> int | None:
    payload = turn.button_payload or ""
    if payload.startswith(SCORE_PREFIX) and payload.removeprefix(SCORE_PREFIX).isdigit():
        score = int(payload.removeprefix(SCORE_PREFIX))
        return score if 1 <= score <= 5 else None
    return survey_score(turn.text)
