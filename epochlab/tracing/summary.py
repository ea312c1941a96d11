"""The information findings written when a trace ends: boundaries kept, steps, samples, order, learning rate."""

from __future__ import annotations

from .accounts import ModelAccount, OptimizerAccount, label
from .findings import Finding, finding, runs_text
from .loaders import LoaderPass


def carried_over(models: list[ModelAccount]) -> list[Finding]:
    """The healthy case, per model: every boundary it crossed kept its weights bit for bit."""
    out = []
    for m in models:
        if m.boundaries and m.kept == m.boundaries and not m.replacement:
            count = "the 1 epoch boundary" if m.boundaries == 1 else f"all {m.boundaries} epoch boundaries"
            out.append(finding("carried_over", f"The weights of {m.label} carried over unchanged (bit for bit) "
                                               f"across {count} checked."))
    return out


def epochs_seen(epochs: int, steps: int, marked: bool) -> list[Finding]:
    """Say so when there was no training, or only one epoch (so no boundary could be checked)."""
    if steps == 0:
        return [finding("no_steps", "No optimizer step was taken inside the block, so there was no training to "
                                    "check (the trace watches torch.optim optimizers).")]
    if epochs == 1:
        how = "t.mark_epoch() marked only one epoch" if marked else \
            "no DataLoader was read twice and t.mark_epoch() was never called"
        return [finding("one_epoch", f"Only one epoch was seen ({how}), so no epoch boundary was checked.")]
    return []


def _by_name(optimizers: list[OptimizerAccount]) -> dict[str, list[OptimizerAccount]]:
    # An optimizer created again every epoch is one line of the report, under the name the user gave it.
    named: dict[str, list[OptimizerAccount]] = {}
    for acc in optimizers:
        named.setdefault(acc.name, []).append(acc)
    return named


def steps_and_rates(optimizers: list[OptimizerAccount]) -> list[Finding]:
    """Per optimizer (by name): steps in each epoch and the learning rate at the start of each epoch."""
    out = []
    for name, accounts in _by_name(optimizers).items():
        steps: dict[int, int] = {}
        rates: dict[int, tuple[float, ...]] = {}
        for acc in accounts:
            for epoch, count in acc.steps.items():
                steps[epoch] = steps.get(epoch, 0) + count
            for epoch, lr in acc.lrs.items():
                rates.setdefault(epoch, lr)
        epochs = range(min(steps), max(steps) + 1)
        counts = [steps.get(e, 0) for e in epochs]
        first = f" (from epoch {epochs[0]})" if epochs[0] != 1 else ""
        out.append(finding("steps_per_epoch", f"{label(name)} took {runs_text(list(counts), 'steps')}{first}."))
        shown = [_rate_text(rates[e]) for e in epochs if e in rates]
        if len(set(shown)) == 1:
            words = f"was {shown[0]} in every epoch"
        else:
            words = "was " + ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "") + " epoch by epoch"
        out.append(finding("learning_rate", f"The learning rate of {label(name)} {words}."))
    return out


def _rate_text(lrs: tuple[float, ...]) -> str:
    return f"{lrs[0]:.4g}" if len(set(lrs)) == 1 else "(" + ", ".join(f"{lr:.4g}" for lr in lrs) + ")"


def data_passes(passes: dict[int, LoaderPass]) -> list[Finding]:
    """Samples read per epoch, and whether the order changed from one epoch to the next."""
    if not passes or any(p.samples is None for p in passes.values()):
        return []
    ordered = [passes[e] for e in sorted(passes)]
    out = [finding("samples_per_epoch",
                   f"The DataLoader gave {runs_text([p.samples for p in ordered], 'samples')}.")]
    pairs = [(a, b) for a, b in zip(ordered, ordered[1:]) if a.samples == b.samples]
    if pairs:
        changed = sum(a.order != b.order for a, b in pairs)
        if changed == len(pairs):
            words = f"The data order changed at every one of the {len(pairs)} epoch boundaries (it was reshuffled)."
        elif changed == 0:
            words = "The data came in the same order in every epoch (it was not reshuffled)."
        else:
            words = f"The data order changed at {changed} of {len(pairs)} epoch boundaries."
        out.append(finding("data_order", words))
    return out
