#!/usr/bin/python3
"""A tiny GTK3 window that offers files as text/uri-list when dragged, like a file
manager does. The desktop-app test drags from it into the app window with xdotool,
so the drop reaches Tauri through the real X11 drag-and-drop protocol.

usage: drag_source.py X Y FILE...   (prints "ready" once the window is shown)
"""
import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
uris = [Path(p).resolve().as_uri() for p in sys.argv[3:]]

win = Gtk.Window(title="drag-source")
win.set_default_size(120, 90)
win.move(x, y)
button = Gtk.Button(label="drag me")
button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
button.drag_source_add_uri_targets()
button.connect("drag-data-get", lambda _w, _ctx, data, _info, _time: data.set_uris(uris))
win.add(button)
win.connect("destroy", Gtk.main_quit)


def announce():
    print("ready", flush=True)
    return False


win.connect("map-event", lambda *_: GLib.timeout_add(300, announce) and False)
win.show_all()
Gtk.main()
