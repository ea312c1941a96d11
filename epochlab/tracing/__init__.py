"""``epochlab.trace()``: point it at your own training loop and it says what persisted between epochs.

```python
with epochlab.trace() as t:
    ...any PyTorch training loop...   # unchanged; call t.mark_epoch() per epoch if it reads no DataLoader
t.report()     # one sentence per finding, problems first
t.findings     # list of Finding(kind, epoch, message, where, problem)
```

Epochs: each new pass over a DataLoader that feeds optimizer steps starts one (a validation loader
read in between does not), or each ``t.mark_epoch()`` call; with neither, one epoch is seen.
Accounts: one per model (named after the variable in your code that holds it) and one per
optimizer. How: torch's global optimizer step hooks and parameter-registration hook, per-model
``load_state_dict`` hooks, and patches of ``Optimizer.__init__``, ``torch.nn.init`` and the DataLoader
iterator, all removed when the block ends, also on an exception (see ``hooks.py``). Memory: one copy
of each model's weights (the latest step's) and a 16-byte fingerprint per epoch end.

Finding kinds. Problems (``problem=True``: something was reset, re-created, reloaded or changed):
- ``model_created``: a module with parameters was created after training had started (a net built
  inside the epoch loop); ``where`` is the line that built it. Also when no optimizer ever trained it.
- ``optimizer_recreated``: an optimizer over already-trained parameters was created after the first
  step; its momentum or Adam state is lost (the message says what was lost); ``where`` is its creation.
- ``reloaded``: ``load_state_dict`` into a trained model, followed by more training (a checkpoint
  reloaded every epoch); the message says which weights it went back to.
- ``reinitialised``: a ``torch.nn.init`` function (also what ``reset_parameters()`` calls) re-drew
  trained weights in place.
- ``weights_changed``: the weights at the first step of epoch k+1 differ from those after the last
  step of epoch k, and no load or init explains it (e.g. an in-place edit through ``.data``).
Information (``problem=False``):
- ``carried_over``: the healthy case: a model's weights carried over bit for bit at every epoch
  boundary, with the number of boundaries checked.
- ``rewind``: ``load_state_dict`` after the last step (early stopping restoring its best weights).
- ``steps_per_epoch`` / ``learning_rate``: per optimizer, steps in each epoch and the learning rate
  at the start of each epoch (schedulers show here, not as problems).
- ``samples_per_epoch`` / ``data_order``: per epoch, samples the DataLoader gave, and whether their
  order changed between epochs (needs a DataLoader over a map-style dataset).
- ``one_epoch``: only one epoch was seen, so no boundary was checked.
- ``no_steps``: no optimizer step happened in the block (a hand-written update is not watched).
- ``compile_failed``: ``torch.compile`` failed inside the block; the error is re-raised with a note.
- ``trace_failed``: the trace's own code raised; it stopped watching (the loop itself is never broken
  by the trace), so the other findings are incomplete.
"""

from .findings import KINDS, Finding
from .trace import Trace, trace

__all__ = ["KINDS", "Finding", "Trace", "trace"]
