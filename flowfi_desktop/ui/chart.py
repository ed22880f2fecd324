"""A stream's live chart: accrued and withdrawn over time from the start to the projected end,
markers for top-ups, withdrawals, pauses, resumes and the end, and a line at "now".

The curves are created once; each tick (10 a second) moves only the live end of the accrued
curve and the now line, from local integer arithmetic (no RPC, no SQL). X is float64 Unix
seconds (float32 would round them to minutes)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from flowfi_desktop.app.chart_data import ChartSeries, accrued_now, build_series
from flowfi_desktop.app.queries import EventRow, StreamRow
from flowfi_desktop.ui.theme import current_colors

TICK_MS = 100
_SYMBOLS = {
    "top-up": ("t1", "Top-up"),
    "withdrawal": ("o", "Withdrawal"),
    "pause": ("s", "Pause"),
    "resume": ("t", "Resume"),
    "cancel": ("x", "Cancel"),
    "completed": ("star", "Completed"),
}
Array = npt.NDArray[np.float64]


def _xy(points: list[tuple[int, int]], scale: float) -> tuple[Array, Array]:
    x = np.array([p[0] for p in points], dtype=np.float64)
    y = np.array([p[1] for p in points], dtype=np.float64) / scale
    return x, y


class StreamChart(QWidget):
    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget(self, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setBackground(None)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        # Top left: the accrued line rises to the right, so that corner stays clear of it.
        self.legend = self.plot.addLegend(offset=(8, 8), colCount=3)
        self.accrued = self.plot.plot(name="Accrued")
        self.projection = self.plot.plot(name="Projected")
        self.withdrawn = self.plot.plot(name="Withdrawn")
        self.markers: dict[str, pg.ScatterPlotItem] = {}
        for kind, (symbol, label) in _SYMBOLS.items():
            item = pg.ScatterPlotItem(symbol=symbol, size=11, pen=pg.mkPen(None), name=label)
            self.plot.addItem(item)
            self.markers[kind] = item
        self.now_line = pg.InfiniteLine(
            angle=90, movable=False, label="now", labelOpts={"position": 0.95}
        )
        self.plot.addItem(self.now_line)
        self.restyle()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

        self.stream: StreamRow | None = None
        self.series: ChartSeries | None = None
        self.scale = 1.0
        self._hist_x: Array = np.empty(0)
        self._hist_y: Array = np.empty(0)
        self.ticks = 0
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    def restyle(self) -> None:
        """Pens, brushes and text in the current theme's colours (at start and on a switch)."""
        colors = current_colors()
        self.accrued.setPen(pg.mkPen(colors.accrued, width=2.5))
        self.projection.setPen(pg.mkPen(colors.accrued, width=1.5, style=Qt.PenStyle.DashLine))
        self.withdrawn.setPen(pg.mkPen(colors.withdrawn, width=2))
        for item in self.markers.values():
            item.setBrush(pg.mkBrush(colors.now_line))
        self.now_line.setPen(pg.mkPen(colors.now_line, width=1, style=Qt.PenStyle.DotLine))
        self.now_line.label.setColor(colors.now_line)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        base = self.palette().color(QPalette.ColorRole.Base)
        base.setAlpha(220)
        self.legend.setBrush(pg.mkBrush(base))
        self.legend.setLabelTextColor(text)
        for _sample, item_label in self.legend.items:
            item_label.setText(item_label.text)  # setLabelTextColor alone does not re-render
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(pg.mkPen(text))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed
            self.restyle()
        super().changeEvent(event)

    def show_stream(self, stream: StreamRow, events: list[EventRow], decimals: int | None) -> None:
        now = int(self.clock())
        self.stream = stream
        self.scale = float(10 ** (decimals or 0))
        series = build_series(stream, events, now)
        self.series = series
        x, y = _xy(series.accrued, self.scale)
        live = stream.is_active and not stream.paused
        # The live end is redrawn every tick: keep the history without it.
        self._hist_x, self._hist_y = (x[:-1], y[:-1]) if live else (x, y)
        self.accrued.setData(x, y)
        px, py = _xy(series.projection, self.scale) if series.projection else (np.empty(0),) * 2
        self.projection.setData(px, py)
        wx, wy = _xy(series.withdrawn, self.scale)
        self.withdrawn.setData(wx, wy)
        for kind, item in self.markers.items():
            points = [m for m in series.markers if m.kind == kind]
            item.setData(
                x=np.array([m.time for m in points], dtype=np.float64),
                y=np.array([m.amount for m in points], dtype=np.float64) / self.scale,
            )
        self.now_line.setValue(float(self.clock()))
        span = max(series.end - series.start, 60)
        self.plot.setXRange(series.start - span * 0.02, series.end + span * 0.04, padding=0)
        top = max(stream.deposited_amount, 1) / self.scale
        self.plot.setYRange(0, top * 1.05, padding=0)
        if live:
            self.timer.start()
        else:
            self.timer.stop()
        self.tick()

    def tick(self) -> None:
        """Moves the now line and the live end of the accrued curve (local arithmetic)."""
        self.ticks += 1
        now = self.clock()
        self.now_line.setValue(now)
        stream = self.stream
        if stream is None or not stream.is_active or stream.paused:
            return
        t = int(now)
        value = accrued_now(stream, t) / self.scale
        # Sub-second smoothness: the contract accrues per whole second; draw the line between.
        if t < self._end_time():
            value = min(
                value + (now - t) * stream.rate_per_second / self.scale,
                stream.deposited_amount / self.scale,
            )
        x = np.append(self._hist_x, now)
        y = np.append(self._hist_y, value)
        self.accrued.setData(x, y)
        if self.series is not None and self.series.projection:
            end = self.series.end
            if now < end:
                self.projection.setData(
                    np.array([now, float(end)]),
                    np.array([value, stream.deposited_amount / self.scale]),
                )
            else:
                self.projection.setData(np.empty(0), np.empty(0))

    def _end_time(self) -> int:
        return self.series.end if self.series is not None else 0

    def stop(self) -> None:
        self.timer.stop()
