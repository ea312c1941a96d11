"""The dashboard's widgets and its one-screen layout: controls and readout beside the figure, big text, keys.

The keyboard shortcuts are a small document listener installed by an ``<img onerror>`` inside an
``HTML`` widget (the one way ipywidgets runs script in JupyterLab and Voila alike, with no extension);
each key clicks one of the dashboard's buttons, so a key does exactly what the button does.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..widgets import checkbox, float_slider, int_slider, lr_slider, mode_buttons, seed_box
from .state import LIMITS, Settings

MODE_TIPS = ("keep the weights (what every framework does)", "reset to the initial weights each epoch",
             "draw fresh random weights each epoch", "the asker's loop: steps on point 1, then point 2, ...")
KEYS = ("keys: space play/pause &middot; &larr;/&rarr; one batch &middot; &darr;/&uarr; one epoch &middot; "
        "k r i p modes &middot; b branch &middot; c clear branch &middot; Home stop &amp; rewind &middot; "
        "d lecture defaults")
SPEEDS = (("1 iteration", "1"), ("4 iterations", "4"), ("1 epoch", "epoch"), ("run in 5 s", "run"))
BUTTONS = (  # name, text, tooltip
    ("back-epoch", "◀◀ epoch", "back to the previous epoch boundary"), ("back-batch", "◀ batch", "one iteration back"),
    ("toggle", "▶ / ❚❚", "play from here / pause (pause keeps the position)"),
    ("batch", "batch ▶", "one more iteration"), ("epoch", "epoch ▶▶", "to the next epoch end"),
    ("stop", "■ stop & rewind", "stop playing and go back to iteration 0"),
    ("branch", "branch here", "keep the run up to the epoch boundary at or before the cursor; change settings after it"),
    ("clear", "clear branch", "one run again, with the current settings from iteration 0"),
    ("defaults", "lecture defaults", "every control back to its lecture value, no branch"))

_JS = """if(!window.__epochlabKeys){window.__epochlabKeys=1;document.addEventListener('keydown',function(e){
var t=e.target;if(e.ctrlKey||e.metaKey||e.altKey)return;
if(t&&t.closest&&t.closest('input,textarea,select,.noUi-target'))return;
var root=document.querySelector('.epochlab-dashboard');if(!root)return;
var keys={' ':'toggle','ArrowRight':'batch','ArrowLeft':'back-batch','ArrowUp':'epoch','ArrowDown':'back-epoch',
'Home':'stop','b':'branch','c':'clear','d':'defaults'};var modes={k:'keep',r:'reset',i:'reinit',p:'point'};
var el=null;if(keys[e.key]){el=root.querySelector('.epochlab-key-'+keys[e.key]);}
else if(modes[e.key]){root.querySelectorAll('.epochlab-modes button').forEach(function(b){
if(b.textContent.trim()===modes[e.key])el=b;});}
if(!el||el.disabled)return;e.preventDefault();e.stopPropagation();el.click();},true);}"""

CSS = """<style>
.epochlab-dashboard{--jp-widgets-font-size:18px;--jp-widgets-inline-height:30px;--jp-widgets-inline-label-width:150px;
 font-size:18px;gap:4px}
.epochlab-dashboard.epochlab-large{--jp-widgets-font-size:24px;--jp-widgets-inline-height:40px;
 --jp-widgets-inline-label-width:200px;font-size:24px}
.epochlab-dashboard .widget-label,.epochlab-dashboard button,.epochlab-dashboard .widget-readout,
.epochlab-dashboard input{font-size:var(--jp-widgets-font-size)!important}
.epochlab-dashboard .widget-html-content{font-size:inherit;line-height:1.35}
.epochlab-left{width:450px;flex:none}.epochlab-large .epochlab-left{width:640px}
.epochlab-table{font-size:14px;border-collapse:collapse}.epochlab-large .epochlab-table{font-size:20px}
.epochlab-table td,.epochlab-table th{padding:0 4px;font-family:monospace;text-align:left;white-space:nowrap}
.epochlab-keys{font-size:15px;color:#444}.epochlab-large .epochlab-keys{font-size:20px}
.epochlab-dashboard .widget-toggle-buttons .widget-label{min-width:0;max-width:none;padding-right:6px}
.epochlab-large .widget-toggle-buttons{width:auto!important}.epochlab-large .widget-toggle-buttons .widget-label{width:auto!important}
.epochlab-large .widget-toggle-button{width:auto!important;min-width:90px}
.epochlab-dashboard .widget-button{padding:0 10px}
.epochlab-dashboard .widget-toggle-buttons{display:flex;align-items:center}
body.jp-Notebook .lm-BoxPanel-child{padding:4px 8px}body.jp-Notebook .jp-Cell{padding:0}
.epochlab-banner{background:#fde7ea;border-left:6px solid #b00020;padding:2px 8px;font-size:16px;white-space:nowrap;
 overflow:hidden;text-overflow:ellipsis}.epochlab-large .epochlab-banner{font-size:22px}
.epochlab-figure{flex:none}
.epochlab-dashboard .widget-hbox{gap:8px}
</style>"""


def build_controls(s: Settings, n_samples: int) -> dict[str, w.ValueWidget]:
    """One control per setting, ranges from :data:`~.state.LIMITS`, plus the view's own choices."""
    modes = mode_buttons(s.between_epochs, ("keep", "reset", "reinit", "point"))
    modes.tooltips = list(MODE_TIPS)
    modes.add_class("epochlab-modes")
    modes.style.button_width = "68px"
    modes.style.description_width = "152px"
    modes.layout.width = "450px"
    low, high = LIMITS["lr"]
    controls: dict[str, w.ValueWidget] = {
        "lr": lr_slider(s.lr, low=low, high=high),
        "batch_size": int_slider("batch size", s.batch_size, 1, n_samples),
        "epochs": int_slider("epochs", s.epochs, *map(int, LIMITS["epochs"])), "between_epochs": modes,
        "shuffle": checkbox("shuffle every epoch", s.shuffle), "seed": seed_box(s.seed),
        "noise": float_slider("noise", s.noise, *LIMITS["noise"], step=0.05),
        "steps_per_point": int_slider("steps per point", s.steps_per_point, *map(int, LIMITS["steps_per_point"])),
    }
    controls["steps_per_point"].tooltip = "mode point: SGD steps on each point before the next one"
    for name, control in controls.items():
        if name != "between_epochs":
            control.layout.width = "auto"
    return controls


def build_view_controls() -> dict[str, w.ValueWidget]:
    """How the run is shown: x unit, presentation size, play speed, the previous run as a ghost."""
    return {
        "unit": w.ToggleButtons(options=["iterations", "epochs", "samples"], description="x axis",
                                style={"button_width": "110px"}, layout=w.Layout(width="440px")),
        "size": w.ToggleButtons(options=[("720p", "1280x720"), ("1080p", "1920x1080")], description="screen",
                                style={"button_width": "85px"}, layout=w.Layout(width="270px"),
                                tooltips=["laptop / small projector", "full-HD projector: bigger figure and text"]),
        "speed": w.Dropdown(options=list(SPEEDS), value="1", description="per tick", layout=w.Layout(width="230px"),
                            style={"description_width": "initial"},
                            tooltip="how far play moves every 0.1 s"),
        "ghost": w.Checkbox(value=True, description="previous run", indent=False,
                            layout=w.Layout(width="auto")),
        "validation": w.Checkbox(value=False, description="validation", indent=False,
                                 layout=w.Layout(width="auto"), tooltip="64 more samples the net never trains on"),
    }


def build_buttons() -> dict[str, w.Button]:
    """The step / play / branch buttons; each has the CSS class its keyboard shortcut clicks."""
    buttons = {}
    for name, text, tip in BUTTONS:
        button = w.Button(description=text, tooltip=tip, layout=w.Layout(width="auto"))
        button.add_class(f"epochlab-key-{name}")
        buttons[name] = button
    return buttons


def keyboard_html() -> w.HTML:
    """The style sheet, the shortcut listener and the on-screen list of keys."""
    script = f'<img src="" alt="" style="display:none" onerror="{html.escape(_JS, quote=True)}">'
    return w.HTML(value=CSS + script + f'<span class="epochlab-keys">{KEYS}</span>')
