"""Date and time built-ins (spec §7, §7.1, §7.2): shiftDateByIncrement, shiftDateTimeByIncrement,
shiftDateTimeListByIncrement, shiftDateTimeSequenceByIncrement,
scalePatientAgeAndDobFromStudyDate."""

from __future__ import annotations

from .. import dates
from ..engine import operations as ops
from ..engine.elements import element_vr, read_string
from ..engine.env import Env, node_value
from ..engine.errors import EvaluationError
from ..engine.tagpath import CompiledPath
from ..engine.values import VOID, PathArg, Value, as_integer
from ..engine.walker import Node, walk
from .registry import implements

_DAY = 86400


def _increment(env: Env, args: list[Value], default_unit: str, function: str) -> int:
    amount = as_integer(env.value(args[1]), function)
    unit = env.required(args[2], function) if len(args) > 2 else default_unit
    return dates.increment_seconds(amount, unit)


def _shift_value(
    env: Env, args: list[Value], allowed: tuple[str, ...], default_unit: str, function: str
) -> str:
    arg = args[0]
    if isinstance(arg, PathArg):
        if not arg.path.singular:
            raise EvaluationError(ops.MULTIPLE_TERMS.format(arg.path.text), arg.path.display)
        vr = ops.element_vr(env.obj, arg.path)
        if vr is not None and vr not in allowed:
            raise EvaluationError(
                f"{function}: {arg.path.display} has VR {vr}; expected {' or '.join(allowed)}",
                arg.path.display,
            )
    return dates.shift(env.value(arg), _increment(env, args, default_unit, function))


@implements("shiftDateByIncrement")
def shift_date(env: Env, args: list[Value]) -> Value:
    try:
        return _shift_value(env, args, ("DA",), "days", "shiftDateByIncrement")
    except (EvaluationError, dates.DateTimeError) as e:
        where = args[0].path.display if isinstance(args[0], PathArg) else None
        raise EvaluationError.wrapping(e, "Error evaluating shiftDateByIncrement: ", where) from None


@implements("shiftDateTimeByIncrement")
def shift_date_time(env: Env, args: list[Value]) -> Value:
    try:
        return _shift_value(env, args, ("DA", "DT"), "seconds", "shiftDateTimeByIncrement")
    except dates.DateTimeError as e:
        where = args[0].path.display if isinstance(args[0], PathArg) else None
        raise EvaluationError.wrapping(e, tag_path=where) from None


def _shift_in_place(env: Env, paths: list[CompiledPath], seconds: int) -> None:
    for node in ops.matching_leaves(env.obj, paths, creators=False):
        value = node_value(env.obj, node)
        if value == "" or element_vr(node.element(), node.creator) == "SQ":
            continue
        try:
            shifted = dates.shift(value, seconds)
        except dates.DateTimeError as e:
            raise EvaluationError.wrapping(e, tag_path=node.path) from None
        env.obj.set_string(node.container, node.tag, shifted, node.charset, creator=node.creator)


@implements("shiftDateTimeListByIncrement")
def shift_date_time_list(env: Env, args: list[Value]) -> Value:
    paths = env.tag_paths([args[0]], "shiftDateTimeListByIncrement")
    try:
        seconds = _increment(env, args, "seconds", "shiftDateTimeListByIncrement")
    except dates.DateTimeError as e:
        raise EvaluationError.wrapping(e) from None
    _shift_in_place(env, paths, seconds)
    return VOID


@implements("shiftDateTimeSequenceByIncrement")
def shift_date_time_sequence(env: Env, args: list[Value]) -> Value:
    seconds = as_integer(env.value(args[0]), "shiftDateTimeSequenceByIncrement")
    _shift_in_place(env, env.path_strings(args[1:], "shiftDateTimeSequenceByIncrement"), seconds)
    return VOID


PATIENT_BIRTH_DATE = 0x00100030
PATIENT_AGE = 0x00101010
STUDY_DATE = 0x00080020


def _top_value(env: Env, tag: int) -> str:
    elem = env.obj.get(env.obj.dataset, tag)
    if elem is None:
        return ""
    return read_string(elem, env.obj.charset)


def _everywhere(env: Env, tag: int) -> list[Node]:
    return [n for n in _all_leaves(env) if n.tag == tag]


def _all_leaves(env: Env) -> list[Node]:
    return [n for n in walk(env.obj) if n.is_leaf]


@implements("scalePatientAgeAndDobFromStudyDate")
def scale_patient_age(env: Env, args: list[Value]) -> Value:
    """Make patients older than 89 years 89 (spec §7.2)."""
    birth = _top_value(env, PATIENT_BIRTH_DATE)
    if birth:
        try:
            dates.parse(birth)
        except dates.DateTimeError:
            birth = ""
    if birth:
        study = _top_value(env, STUDY_DATE)
        if not study:
            env.warn(
                "scalePatientAgeAndDobFromStudyDate: no StudyDate, so nothing changed (XNAT returns early)"
            )
            return VOID
        try:
            shift_days = dates.birth_date_shift_days(study, birth)
        except dates.DateTimeError as e:
            raise EvaluationError.wrapping(e, "scalePatientAgeAndDobFromStudyDate: ", "(0008,0020)") from None
        if shift_days > 0:
            for node in _everywhere(env, PATIENT_BIRTH_DATE):
                value = node_value(env.obj, node)
                if value:
                    try:
                        moved = dates.shift(value, shift_days * _DAY)
                    except dates.DateTimeError as e:
                        raise EvaluationError.wrapping(e, tag_path=node.path) from None
                    env.obj.set_string(node.container, node.tag, moved, node.charset)
    age_text = _top_value(env, PATIENT_AGE)
    if env.obj.get(env.obj.dataset, PATIENT_AGE) is None:
        return VOID
    try:
        age = dates.parse_age(age_text)
    except dates.DateTimeError as e:
        raise EvaluationError.wrapping(e, "Error parsing age in tag (0010,1010): ", "(0010,1010)") from None
    if age.over_limit:
        for node in _everywhere(env, PATIENT_AGE):
            env.obj.set_string(node.container, node.tag, dates.CAPPED_AGE, node.charset)
    return VOID
