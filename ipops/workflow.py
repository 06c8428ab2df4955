"""Lifecycles as data: one way every app declares a lifecycle and moves an object through it.

An entity's lifecycle is a `Workflow`: the field that holds the state, and the `Step`s — each an
action, the states it may start from, the state it leads to (or none: a step recorded within a
state, like a repayment), the django-rules permission that says who may take it, and an optional
`guard` for a precondition beyond the state ("record the contract before paying"). From that one
declaration come:

- `workflow.apply(obj, action, actor=…)`: the one transition step. The caller has locked the row
  (`workflow.lock(obj)`); `apply` checks the permission, the state and the guard, sets the state,
  saves, and writes the audit record (`<entity>_<action>`), all inside the service's transaction.
- `workflow.available(actor, obj)`: the actions this actor may take on this object now. Pages draw
  their buttons from it and the API's detail responses list it, so the UI never repeats a rule and
  never offers a step the service would refuse.

django-oscar's order pipeline is the model: the lifecycle is data, and an illegal move raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.utils.functional import Promise

from ipops import audit
from ipops.errors import ApplicationError, CoreErrorCode, InvalidTransition, PermissionDenied
from ipops.tenancy import CityOwned

M = TypeVar("M", bound=CityOwned)

#: `can(actor, permission, obj) -> bool`: the app's django-rules check.
PermissionCheck = Callable[[Any, str, Any], bool]


@dataclass(frozen=True)
class Step:
    """One action of a lifecycle.

    `sources`: the states it may be taken from. `target`: the state it leads to; None keeps the
    state (the step is still checked and audited). `permission`: the rule an actor must pass; None
    for steps only the system takes (expiry). `guard(obj)` raises an `ApplicationError` when a
    precondition other than the state fails; `available` hides the step then, and `apply` raises it.
    `manual=False` keeps a step out of the buttons (taken by the system or as part of another step).
    """

    action: str
    sources: frozenset[str]
    target: str | None
    permission: str | None = None
    label: str | Promise = ""
    guard: Callable[[Any], None] | None = None
    manual: bool = True
    style: str = "primary"
    #: Asks the user to confirm (a destructive or irreversible step).
    confirm: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", frozenset(str(s) for s in self.sources))


@dataclass
class Workflow(Generic[M]):
    """A lifecycle over `model.<state_field>`, audited as `<entity>_<action>`."""

    model: type[M]
    entity: str
    steps: Sequence[Step]
    can: PermissionCheck
    state_field: str = "status"
    invalid: type[ApplicationError] = InvalidTransition
    _by_action: dict[str, Step] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_action = {}
        for step in self.steps:
            if step.action in self._by_action:
                raise ValueError(f"{self.entity}: action {step.action!r} declared twice")
            self._by_action[step.action] = step
        state_field = self.model._meta.get_field(self.state_field)
        states = {str(v) for v, _ in getattr(state_field, "choices", None) or ()}
        for step in self.steps:
            unknown = (step.sources | ({step.target} if step.target else set())) - states
            if unknown:
                raise ValueError(f"{self.entity}.{step.action}: unknown states {sorted(unknown)}")

    # --- reading the declaration -------------------------------------------------------------

    def step(self, action: str) -> Step:
        return self._by_action[action]

    def actions(self) -> list[str]:
        return list(self._by_action)

    def target(self, action: str, state: str) -> str | None:
        """The state `action` leads to from `state`; None when the lifecycle forbids it."""
        step = self._by_action.get(action)
        if step is None or str(state) not in step.sources:
            return None
        return step.target or str(state)

    def allows(self, action: str, state: str) -> bool:
        return self.target(action, state) is not None

    def state_of(self, obj: M) -> str:
        return str(getattr(obj, self.state_field))

    # --- acting ------------------------------------------------------------------------------

    def lock(self, obj: M, *select_related: str) -> M:
        """The row again, locked for the rest of the transaction: check the state only after this."""
        qs = (
            self.model._default_manager.select_for_update(of=("self",))
            if select_related
            else (self.model._default_manager.select_for_update())
        )
        if select_related:
            qs = qs.select_related(*select_related)
        return qs.get(pk=obj.pk)

    def permitted(self, actor, action: str, obj: M) -> bool:
        step = self._by_action[action]
        return step.permission is None or (actor is not None and self.can(actor, step.permission, obj))

    def check(self, obj: M, action: str, *, actor=None, system: bool = False) -> Step:
        """Raise unless `actor` (None: the system) may take `action` on `obj` in its current state.

        `system`: the step follows from another one the actor was allowed to take (a cancelled deal
        closes its negotiation, even when bureau staff cancel it): the state and the guard are checked,
        the step's own permission is not, and the audit still names the actor.
        """
        step = self._by_action[action]
        if actor is not None and not system and not self.permitted(actor, action, obj):
            raise PermissionDenied()
        if not self.allows(action, self.state_of(obj)):
            display = getattr(obj, f"get_{self.state_field}_display", lambda: self.state_of(obj))()
            raise self.invalid(
                fields={
                    self.state_field: [
                        {
                            "code": CoreErrorCode.INVALID_TRANSITION,
                            "detail": f"{display} → {step.label or action}",
                        }
                    ]
                }
            )
        if step.guard is not None:
            step.guard(obj)
        return step

    def apply(
        self,
        obj: M,
        action: str,
        *,
        actor=None,
        to_state: str | None = None,
        reason: str = "",
        data: dict | None = None,
        update_fields: Iterable[str] = (),
        save: bool = True,
        system: bool = False,
    ) -> tuple[str, str]:
        """Take `action` on the locked `obj`: check, set the state, save, audit. Returns (before, after).

        `to_state` chooses among a step's outcomes when the service computes it (a decision that
        approves or rejects); it must still be a state the lifecycle reaches from here.
        """
        step = self.check(obj, action, actor=actor, system=system)
        before = self.state_of(obj)
        after = str(to_state or step.target or before)
        setattr(obj, self.state_field, after)
        if save:
            fields = {self.state_field, *update_fields}
            if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
                fields.add("updated_at")
            obj.save(update_fields=sorted(fields))
        audit.record(
            actor=getattr(actor, "user", None),
            city=obj.city_id,
            action=f"{self.entity}_{action}",
            obj=obj,
            from_state=before,
            to_state=after,
            reason=reason,
            data=data,
        )
        return before, after

    # --- what the UI offers ------------------------------------------------------------------

    def available(self, actor, obj: M) -> list[Step]:
        """The manual steps `actor` may take on `obj` now: state, permission and guard all pass."""
        if actor is None or obj is None:
            return []
        state = self.state_of(obj)
        out = []
        for step in self.steps:
            if not step.manual or state not in step.sources or not self.permitted(actor, step.action, obj):
                continue
            if step.guard is not None:
                try:
                    step.guard(obj)
                except ApplicationError:
                    continue
            out.append(step)
        return out

    def available_names(self, actor, obj: M) -> list[str]:
        return [s.action for s in self.available(actor, obj)]
