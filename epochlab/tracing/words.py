"""The sentences of the problem findings: what changed, where, and what the weights went back to."""

from __future__ import annotations

import weakref

from torch import nn

from .accounts import ModelAccount, OptimizerAccount, fingerprint
from .findings import Finding, finding


def boundary_finding(m: ModelAccount, epoch: int, *, boundary: bool) -> Finding:
    """A model's weights differ from the copy after its latest step: say what did it (a load, an init, other)."""
    loads = [e for e in m.events if e.kind == "load"]
    inits = [e for e in m.events if e.kind == "init"]
    if loads:
        place = loads[-1].where
        target = m.end_name(fingerprint(m.params))
        return finding("reloaded", f"load_state_dict at {place} replaced the weights of {m.label} after training "
                                   f"had started: it went back to {target} instead of carrying on from its last "
                                   "step.", epoch=epoch, where=place)
    if inits:
        place = inits[0].where
        return finding("reinitialised", f"The weights of {m.label} were re-initialised at {place} after training "
                                        "had started, so what the earlier steps had learned was overwritten.",
                       epoch=epoch, where=place)
    return finding("weights_changed", f"The weights of {m.label} changed between its last step in epoch "
                                      f"{m.last_epoch} and its first step in epoch {epoch}, outside any optimizer "
                                      "step (something edited them in place, e.g. through `.data` or under "
                                      "`torch.no_grad()`).", epoch=epoch)


def rewind_finding(m: ModelAccount) -> Finding | None:
    """Events after a model's last step: a load is a rewind the user asked for; an init erased the training."""
    loads = [e for e in m.events if e.kind == "load"]
    if loads:
        place = loads[-1].where
        target = m.end_name(fingerprint(m.params))
        return finding("rewind", f"{m.label} was rewound by load_state_dict at {place} after its last step, to "
                                 f"{target}: a rewind you asked for (as early stopping does), not a reset.",
                       where=place)
    if m.changed():
        place = m.events[0].where
        return finding("reinitialised", f"The weights of {m.label} were re-initialised at {place} after its last "
                                        "step, so the trained weights are gone.", epoch=m.last_epoch, where=place)
    return None


def optimizer_recreated(acc: OptimizerAccount, old: OptimizerAccount, epoch: int) -> Finding:
    """A new optimizer over parameters an earlier optimizer had already stepped."""
    state = old.state_words()
    if state:
        lost = f"the {state} the old one had built over {sum(old.steps.values())} steps were thrown away"
    else:
        lost = ("plain SGD keeps no state, so this run lost nothing, but a momentum or Adam optimizer "
                "would lose its state here")
    return finding("optimizer_recreated", f"The optimizer {acc.label} was created again at {acc.where} after "
                                          f"training had started: {lost}.", epoch=epoch, where=acc.where)


def late_module_findings(late: dict[int, tuple[weakref.ref[nn.Module], str | None, int, str]]) -> list[Finding]:
    """Modules created after training started that no optimizer ever stepped, one finding per place."""
    outermost: dict[tuple[str | None, int], str] = {}
    for _, place, epoch, cls in late.values():  # built inside out: the last one at a place contains the rest
        outermost[(place, epoch)] = cls
    return [finding("model_created", f"A new {cls} was created at {place} after training had started, but no "
                                     "optimizer ever updated its weights.", epoch=epoch, where=place)
            for (place, epoch), cls in outermost.items()]


def compile_failure(error: BaseException) -> Finding | None:
    """If ``error`` came from ``torch.compile``, a finding saying so (and a note on the error itself)."""
    module = type(error).__module__
    if not module.startswith(("torch._dynamo", "torch._inductor")):
        return None
    first = (str(error).strip().splitlines() or [""])[0][:160]
    message = (f"torch.compile failed on this machine ({type(error).__name__}: {first}); the trace does not need "
               "torch.compile, so run the loop without it to check it.")
    if hasattr(error, "add_note"):
        error.add_note("epochlab.trace: " + message)
    return finding("compile_failed", message)


def trace_failure(error: Exception) -> Finding:
    """The trace's own code failed: it stopped watching (the loop itself ran on, unaffected)."""
    return finding("trace_failed", f"The trace itself failed ({type(error).__name__}: {error}) and stopped "
                                   "watching, so the findings above are incomplete; your loop was not affected.")
