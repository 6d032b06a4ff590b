/* conflictmap: every event drawn on one canvas from typed arrays (geo/mapdata.py format).
 *
 * L.conflictEvents(options) is a Leaflet layer that fetches the events binary once,
 * writes a dot per event straight into the canvas's pixel memory, filters by period in
 * the browser, counts events per grid cell when many are in view (the counts add up to
 * the events drawn), picks the event under a click with a grid index and fetches its
 * popup details then (built by the page's popup kit with DOM text calls only).
 * After every draw the map container carries data-events-drawn, data-period (FROM/TO),
 * data-events-filtered (in the period anywhere), data-cell-total and data-aggregated.
 * It has setTime(ms), start, end and times, so Leaflet.timeline's slider drives it:
 * the events of the day shown are drawn bright, the rest of the period faint; until the
 * reader uses the time bar, showWhole() draws every event of the period bright.
 * setPeriod("YYYY-MM-DD", "YYYY-MM-DD") sets a new period: events outside it go.
 * For keyboard and screen-reader users it adds a control (#conflictmap-event-list): a
 * list of the events of the period in view, each a button that opens its popup (focus
 * moves into the popup; Escape closes it and returns to the list), and a live region
 * (#conflictmap-announce) saying what is shown and what was opened. Text only, by DOM
 * text calls.
 * A period held for settleMs (not while the time bar plays) is told to the page around
 * the map's frame (tellPage), for the "use the map's period" bar of the app; the first
 * draw is told too (tellDrawn), so the app lays out the page under the map only then.
 */
(function (L) {
    "use strict";
    var DAY = 86400000, EARTH = 40075016.686, files = {};

    function decode(buf) {
        var bytes = new Uint8Array(buf), view = new DataView(buf);
        if (new TextDecoder().decode(bytes.subarray(0, 8)) !== "CMAPDAT1") {
            throw new Error("not a conflictmap events file");
        }
        var len = view.getUint32(8, true);
        var head = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len)));
        var kinds = {float32: Float32Array, uint16: Uint16Array, uint8: Uint8Array}, c = {};
        Object.keys(head.columns).forEach(function (k) {
            var s = head.columns[k];
            c[k] = new kinds[s[1]](buf, s[0], s[2]);
        });
        var n = head.n, wx = new Float32Array(n), wy = new Float32Array(n);
        for (var i = 0; i < n; i++) {  // zoom-0 Web Mercator pixels, once
            var s = Math.sin(c.lat[i] * Math.PI / 180);
            wx[i] = 256 * (c.lon[i] + 180) / 360;
            wy[i] = 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
        }
        return {head: head, c: c, n: n, wx: wx, wy: wy, day0: Date.parse(head.day0) / DAY};
    }

    function load(url) {
        if (!files[url]) {
            files[url] = fetch(url).then(function (r) {
                if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
                if (!/\.gz$/.test(url)) { return r.arrayBuffer(); }
                // gzipped once when written (geo/render/mapdata.py), not by the server
                return new Response(r.body.pipeThrough(new DecompressionStream("gzip")))
                    .arrayBuffer();
            }).then(decode);
        }
        return files[url];
    }

    function selection(b64, n) {  // deflated bitmask (bit i of byte i>>3) -> a byte per event
        var raw = atob(b64), packed = new Uint8Array(raw.length);
        for (var i = 0; i < raw.length; i++) { packed[i] = raw.charCodeAt(i); }
        var stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate"));
        return new Response(stream).arrayBuffer().then(function (buf) {
            var bits = new Uint8Array(buf), sel = new Uint8Array(n);
            for (var k = 0; k < n; k++) { sel[k] = (bits[k >> 3] >> (k & 7)) & 1; }
            return sel;
        });
    }

    /* A popup chunk's columns (geo/render/details.py) as one properties object per event:
     * null, "" and [] left out; id, notes and location note looked up in the chunk's texts. */
    function rows(j) {
        var out = [], keys = Object.keys(j.c), inline = {id: 1, n: 1, ln: 1};
        for (var e = 0; e < j.k; e++) {
            var p = {};
            for (var q = 0; q < keys.length; q++) {
                var v = j.c[keys[q]][e];
                if (v === null || v === "" || (Array.isArray(v) && !v.length)) { continue; }
                p[keys[q]] = inline[keys[q]] ? j.s[v] : v;
            }
            out.push(p);
        }
        return out;
    }

    /* The period the map shows, told to the Streamlit page around the map's frame (same
     * origin): kept on that window as conflictmapMapPeriod and sent as a
     * "conflictmap-period" event, which the page's map-period bar (map_period.py) reads. */
    function tellPage(period) {
        try {
            var top = window.parent;
            if (!top || top === window) { return; }
            top.conflictmapMapPeriod = period;
            top.dispatchEvent(new top.CustomEvent("conflictmap-period", {detail: period}));
        } catch (e) {  // another origin: the page cannot be told, the map works as before
            console.warn("conflictmap: cannot tell the page the map's period", e);
        }
    }

    function tellDrawn() {  // once per page: the page lays out what is under the map now
        try {
            var top = window.parent;
            if (!top || top === window || top.conflictmapDrawn) { return; }
            top.conflictmapDrawn = true;
            top.dispatchEvent(new top.CustomEvent("conflictmap-drawn"));
        } catch (e) {  // another origin: the page shows the rest after its own wait
            console.warn("conflictmap: cannot tell the page the map is drawn", e);
        }
    }

    function abgr(hex, alpha) {
        var v = parseInt(hex.slice(1), 16);
        return ((alpha << 24) | ((v & 255) << 16) | (v & 0xff00) | (v >> 16)) >>> 0;
    }

    function iso(day) { return new Date(day * DAY).toISOString().slice(0, 10); }

    L.ConflictEvents = L.Layer.extend({
        options: {
            url: "", details: "", selection: "", period: null, days: null, colors: {}, popup: null,
            aggregateAbove: 4000, cell: 80, ghostAlpha: 110, halo: 5000, areaRing: 25000,
            listMax: 50, settleMs: 700,
            popupOptions: {maxWidth: 520, maxHeight: 380}
        },
        initialize: function (options) {
            L.setOptions(this, options);
            var p = this.options.period;
            this.start = Date.parse(p[0]);
            this.end = Date.parse(p[1]) + DAY - 1;
            // the time bar's ticks (UTC ms) from days sent as steps from the previous one
            var day = 0;
            this.times = (this.options.days || []).map(function (step) {
                day += step;
                return day * DAY;
            });
            this._shown = {};
            this._chunks = {};
            this._range = null;
            var self = this;
            this.ready = load(this.options.url).then(function (d) {
                return selection(self.options.selection, d.n).then(function (sel) {
                    self._d = d;
                    self._sel = sel;
                    self._bright = new Int32Array(d.n);
                    self._next = new Int32Array(d.n);
                    self._pal = d.head.types.map(function (t) {
                        return self.options.colors[t] || "#777777";
                    });
                    self._solid = new Uint32Array(self._pal.map(function (h) { return abgr(h, 255); }));
                    self._faint = new Uint32Array(self._pal.map(function (h) {
                        return abgr(h, self.options.ghostAlpha);
                    }));
                    self._view = [Math.floor(self.start / DAY) - d.day0,
                                  Math.floor(self.end / DAY) - d.day0];
                    if (!self._range) { self._range = self._view.slice(); }
                    self._redraw();
                    return self;
                });
            });
            this.ready.catch(function (e) {  // said on the map's element and the console
                self.error = String(e);
                if (self._map) { self._map.getContainer().setAttribute("data-events-error", self.error); }
                console.error("conflictmap events:", e);
            });
        },
        setEpisode: function (id, on) {
            this._shown[id] = on;
            this._redraw();
        },
        setTime: function (ms) {  // Leaflet.timeline: the period is the day shown
            var day = Math.floor(ms / DAY);
            this._range = this._d ? [day - this._d.day0, day - this._d.day0] : null;
            this._pending = day;
            this._redraw();
        },
        showWhole: function () {  // the time bar's whole period: every event of it bright
            this._pending = null;
            this._range = this._d ? this._view.slice() : null;
            this._redraw();
        },
        setPeriod: function (from, to) {  // a new period: events outside it are not drawn
            var a = Date.parse(from) / DAY, b = Date.parse(to) / DAY, d = this._d;
            if (!d) { return; }
            this._view = [a - d.day0, b - d.day0];
            this._range = this._view.slice();
            this._pending = null;
            this._redraw();
        },
        onAdd: function (map) {
            this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-animated cm-events");
            this._ctx = this._canvas.getContext("2d");
            // clicks and hovers are read from the map (_click, _hover): the canvas lets them
            // through to the layers under it (the choropleth's click selects its unit)
            this._canvas.style.pointerEvents = "none";
            map.getPane("overlayPane").appendChild(this._canvas);
            map.on("moveend resize", this._redraw, this);
            map.on("zoomanim", this._animZoom, this);
            map.on("click", this._click, this);
            map.on("mousemove", this._hover, this);
            this._addList(map);
            this._redraw();
        },
        onRemove: function (map) {
            L.DomUtil.remove(this._canvas);
            if (this._list) { this._list.control.remove(); this._list = null; }
            map.off("moveend resize", this._redraw, this);
            map.off("zoomanim", this._animZoom, this);
            map.off("click", this._click, this);
            map.off("mousemove", this._hover, this);
        },
        _animZoom: function (e) {
            var map = this._map, scale = map.getZoomScale(e.zoom);
            var offset = map._latLngBoundsToNewLayerBounds(map.getBounds(), e.zoom, e.center).min;
            L.DomUtil.setTransform(this._canvas, offset, scale);
        },
        _redraw: function () {
            var map = this._map, d = this._d;
            if (!map || !d) { return; }
            if (this._pending != null) {
                this._range = [this._pending - d.day0, this._pending - d.day0];
                this._pending = null;
            }
            var size = map.getSize(), W = size.x, H = size.y, cv = this._canvas;
            var tl = map.containerPointToLayerPoint([0, 0]);
            L.DomUtil.setPosition(cv, tl);
            if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; this._img = null; }
            if (!this._img && W && H) {
                this._img = this._ctx.createImageData(W, H);
                this._px = new Uint32Array(this._img.data.buffer);
            }
            if (!this._img) { return; }
            var px = this._px, c = d.c, n = d.n, wx = d.wx, wy = d.wy, sel = this._sel;
            var d0 = c.d0, d1 = c.d1, ep = c.ep, t = c.t, faint = this._faint;
            var on = new Uint8Array(d.head.episodes.length), self = this;
            d.head.episodes.forEach(function (id, k) { on[k] = self._shown[id] ? 1 : 0; });
            var v0 = this._view[0], v1 = this._view[1];
            var lo = Math.max(this._range[0], v0), hi = Math.min(this._range[1], v1);
            var scale = Math.pow(2, map.getZoom()), origin = map.getPixelOrigin().add(tl);
            var ox = origin.x, oy = origin.y, bright = this._bright, nb = 0, total = 0;
            var listMax = this.options.listMax, listed = [], inView = 0;
            px.fill(0);
            for (var i = 0; i < n; i++) {
                if (!sel[i] || !on[ep[i]] || d1[i] < v0 || d0[i] > v1) { continue; }
                var lit = d1[i] >= lo && d0[i] <= hi;
                if (lit) { total++; }
                var x = (wx[i] * scale - ox) | 0, y = (wy[i] * scale - oy) | 0;
                if (x < 1 || y < 1 || x >= W - 1 || y >= H - 1) { continue; }
                if (listed.length < listMax) { listed.push(i); }
                inView++;
                if (lit) { bright[nb++] = i; continue; }
                var col = faint[t[i]], o = (y - 1) * W + x - 1;
                px[o] = col; px[o + 1] = col; px[o + 2] = col; o += W;
                px[o] = col; px[o + 1] = col; px[o + 2] = col; o += W;
                px[o] = col; px[o + 1] = col; px[o + 2] = col;
            }
            var aggregated = nb > this.options.aggregateAbove, cellTotal = 0;
            if (aggregated) { this._splat(bright, nb, scale, ox, oy, W); }
            this._ctx.putImageData(this._img, 0, 0);
            if (aggregated) {
                cellTotal = this._counts(bright, nb, scale, ox, oy, W, H);
            } else {
                this._markers(bright, nb, scale, ox, oy);
            }
            this._index(bright, nb, scale, ox, oy, W, H);
            var box = map.getContainer(), period = iso(lo + d.day0) + "/" + iso(hi + d.day0);
            if (box.getAttribute("data-period") !== period) {
                this.announce("Shown: " + (lo === hi ? iso(lo + d.day0) : iso(lo + d.day0) +
                    " to " + iso(hi + d.day0)) + ", " + total + (total === 1 ? " event." : " events."));
            }
            box.setAttribute("data-events-drawn", String(nb));
            box.setAttribute("data-events-filtered", String(total));
            box.setAttribute("data-period", period);
            box.setAttribute("data-aggregated", aggregated ? "1" : "0");
            box.setAttribute("data-cell-total", String(aggregated ? cellTotal : nb));
            this._tellPage(period);
            this._draws = (this._draws || 0) + 1;
            box.setAttribute("data-draws", String(this._draws));
            this._fillList(listed, inView, on.indexOf(1) < 0);
            if (this._draws === 1) { tellDrawn(); }
            this.fire("drawn", {drawn: nb, filtered: total});
        },
        _tellPage: function (period) {  // the page (outside the map's frame) learns the period
            if (period === this._told) { return; }
            clearTimeout(this._tellTimer);
            var self = this;
            // settled only: a period held this long (the time bar playing moves on sooner)
            this._tellTimer = setTimeout(function () {
                self._told = period;
                tellPage(period);
            }, this.options.settleMs);
        },
        _splat: function (bright, nb, scale, ox, oy, W) {  // 3x3 opaque dot per event
            var d = this._d, wx = d.wx, wy = d.wy, t = d.c.t, px = this._px, solid = this._solid;
            for (var k = 0; k < nb; k++) {
                var i = bright[k], x = (wx[i] * scale - ox) | 0, y = (wy[i] * scale - oy) | 0;
                var col = solid[t[i]], o = (y - 1) * W + x - 1;
                px[o] = col; px[o + 1] = col; px[o + 2] = col; o += W;
                px[o] = col; px[o + 1] = col; px[o + 2] = col; o += W;
                px[o] = col; px[o + 1] = col; px[o + 2] = col;
            }
        },
        _counts: function (bright, nb, scale, ox, oy, W, H) {  // events per grid cell, labelled
            var d = this._d, cell = this.options.cell, gw = Math.ceil(W / cell);
            var counts = new Int32Array(gw * Math.ceil(H / cell)), ctx = this._ctx;
            for (var k = 0; k < nb; k++) {
                var i = bright[k];
                var gx = ((d.wx[i] * scale - ox) / cell) | 0, gy = ((d.wy[i] * scale - oy) / cell) | 0;
                counts[gy * gw + gx]++;
            }
            var sum = 0;
            ctx.save();
            ctx.font = "bold 11px sans-serif";
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            for (var g = 0; g < counts.length; g++) {
                if (!counts[g]) { continue; }
                sum += counts[g];
                var text = counts[g].toLocaleString("en-US");
                var cx = (g % gw + 0.5) * cell, cy = (Math.floor(g / gw) + 0.5) * cell;
                var w = ctx.measureText(text).width + 8;
                ctx.fillStyle = "rgba(255,255,255,0.85)";
                ctx.strokeStyle = "#333333";
                ctx.lineWidth = 1;
                ctx.fillRect(cx - w / 2, cy - 8, w, 16);
                ctx.strokeRect(cx - w / 2, cy - 8, w, 16);
                ctx.fillStyle = "#111111";
                ctx.fillText(text, cx, cy);
            }
            ctx.restore();
            this._cells = counts;
            return sum;
        },
        _markers: function (bright, nb, scale, ox, oy) {  // few in view: today's markers and rings
            var d = this._d, c = d.c, ctx = this._ctx, o = this.options;
            ctx.save();
            for (var k = 0; k < nb; k++) {
                var i = bright[k], x = d.wx[i] * scale - ox, y = d.wy[i] * scale - oy;
                var color = this._pal[c.t[i]], g = c.g[i];
                var mpp = EARTH * Math.cos(c.lat[i] * Math.PI / 180) / (256 * scale);
                if (g & 4 || (g & 3) === 2) {  // area only: wide ring; near the place: halo
                    ctx.beginPath();
                    ctx.setLineDash(g & 4 ? [2, 6] : [4, 4]);
                    ctx.arc(x, y, (g & 4 ? o.areaRing : o.halo) / mpp, 0, 2 * Math.PI);
                    if (g & 4) { ctx.globalAlpha = 0.06; ctx.fillStyle = color; ctx.fill(); }
                    ctx.globalAlpha = 1;
                    ctx.strokeStyle = color;
                    ctx.lineWidth = 1.5;
                    ctx.stroke();
                }
                ctx.setLineDash([]);
                ctx.beginPath();
                ctx.arc(x, y, c.r[i] / 10, 0, 2 * Math.PI);
                ctx.globalAlpha = 0.85;
                ctx.fillStyle = color;
                ctx.fill();
                ctx.globalAlpha = 1;
                ctx.strokeStyle = "#222222";
                ctx.lineWidth = 1;
                ctx.stroke();
            }
            ctx.restore();
            this._cells = null;
        },
        _index: function (bright, nb, scale, ox, oy, W, H) {  // grid of drawn events, for picks
            var d = this._d, G = 16, gw = Math.ceil(W / G), head = new Int32Array(gw * Math.ceil(H / G));
            head.fill(-1);
            for (var k = 0; k < nb; k++) {
                var i = bright[k];
                var g = (((d.wy[i] * scale - oy) / G) | 0) * gw + (((d.wx[i] * scale - ox) / G) | 0);
                this._next[i] = head[g];
                head[g] = i;
            }
            this._grid = {head: head, gw: gw, gh: Math.ceil(H / G), G: G, scale: scale, ox: ox, oy: oy};
        },
        pick: function (x, y) {  // the drawn event nearest container point (x, y), or -1
            var q = this._grid, d = this._d;
            if (!q) { return -1; }
            var best = -1, bd = Infinity, G = q.G;
            var gx0 = Math.max(0, ((x - 16) / G) | 0), gx1 = Math.min(q.gw - 1, ((x + 16) / G) | 0);
            var gy0 = Math.max(0, ((y - 16) / G) | 0), gy1 = Math.min(q.gh - 1, ((y + 16) / G) | 0);
            for (var gy = gy0; gy <= gy1; gy++) {
                for (var gx = gx0; gx <= gx1; gx++) {
                    for (var i = q.head[gy * q.gw + gx]; i !== -1; i = this._next[i]) {
                        var dx = d.wx[i] * q.scale - q.ox - x, dy = d.wy[i] * q.scale - q.oy - y;
                        var dd = dx * dx + dy * dy, r = Math.max(d.c.r[i] / 10, 3) + 1;
                        if (dd <= r * r && dd < bd) { bd = dd; best = i; }
                    }
                }
            }
            return best;
        },
        latLngOf: function (i) { return L.latLng(this._d.c.lat[i], this._d.c.lon[i]); },
        _hover: function (e) {  // the event under the mouse: pointer and its tooltip
            var i = this.pick(e.containerPoint.x, e.containerPoint.y), map = this._map, self = this;
            map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
            if (i === this._hovered) { return; }
            this._hovered = i;
            if (this._tip) { map.removeLayer(this._tip); this._tip = null; }
            if (i < 0) { return; }
            this.details(i).then(function (r) {
                if (self._hovered !== i || !self._map) { return; }
                self._tip = L.tooltip({direction: "top", offset: [0, -6]})
                    .setLatLng(self.latLngOf(i)).setContent(r[0].tooltip(r[1])).addTo(map);
            });
        },
        _click: function (e) {
            var i = this.pick(e.containerPoint.x, e.containerPoint.y);
            if (i >= 0) { this.openPopup(i); }
        },
        details: function (i) {  // Promise of [popup kit, properties] for event row i
            var k = Math.floor(i / this._d.head.chunk), self = this;
            if (!this._chunks[k]) {
                this._chunks[k] = fetch(this.options.details + k + ".json").then(function (r) {
                    if (!r.ok) { throw new Error(self.options.details + k + ".json: HTTP " + r.status); }
                    return r.json();
                }).then(function (j) {
                    return {kit: self.options.popup({s: j.s, src: j.src}), e: rows(j)};
                });
            }
            return this._chunks[k].then(function (c) {
                return [c.kit, c.e[i - k * self._d.head.chunk]];
            });
        },
        openPopup: function (i, returnTo) {  // returnTo: focused again when it closes
            var self = this;
            return this.details(i).then(function (r) {
                var content = r[0].popup(r[1]);
                content.setAttribute("tabindex", "-1");
                var options = self.options.popupOptions, list = self._list;
                if (returnTo && list) {  // opened from the list: pan clear of it
                    var width = list.control.getContainer().offsetWidth;
                    options = L.extend({}, options, {autoPanPaddingTopLeft: L.point(width + 20, 10)});
                }
                var popup = L.popup(options)
                    .setLatLng(self.latLngOf(i))
                    .setContent(content);
                popup.openOn(self._map);
                if (returnTo) {
                    var el = popup.getElement();
                    el.setAttribute("role", "dialog");
                    el.setAttribute("aria-label", "Event details");
                    L.DomEvent.on(el, "keydown", function (e) {
                        if (e.key === "Escape") { self._map.closePopup(popup); }
                    });
                    popup.on("remove", function () {  // back to the list (rebuilt if it moved)
                        var list = self._list, again = returnTo;
                        if (!document.body.contains(again) && list) {
                            again = list.ol.querySelector('button[data-row="' + i + '"]') ||
                                list.summary;
                        }
                        again.focus();
                    });
                    content.focus();
                    self.announce("Opened: " + r[0].tooltip(r[1]).textContent);
                }
                return popup;
            });
        },
        announce: function (text) {  // said by screen readers (a polite live region)
            if (this._list) { this._list.live.textContent = text; }
        },
        _addList: function (map) {  // the keyboard's way to the events: a list of buttons
            var control = L.control({position: "topleft"}), self = this, list = {};
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "leaflet-control cm-control cm-event-list");
                div.id = "conflictmap-event-list";
                var details = L.DomUtil.create("details", "", div);
                list.summary = L.DomUtil.create("summary", "", details);
                list.summary.textContent = "Events on the map";
                list.note = L.DomUtil.create("small", "", details);
                list.ol = L.DomUtil.create("ol", "", details);
                list.live = L.DomUtil.create("div", "cm-sr", div);
                list.live.id = "conflictmap-announce";
                list.live.setAttribute("role", "status");
                list.live.setAttribute("aria-live", "polite");
                list.details = details;
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                L.DomEvent.on(details, "toggle", function () { self._fillList(); });
                return div;
            };
            list.control = control;
            this._list = list;
            control.addTo(map);
        },
        _fillList: function (listed, inView, hidden) {  // (re)build the open list if changed
            var list = this._list, d = this._d, self = this;
            if (!list || !d) { return; }
            if (listed) { list.listed = listed; list.inView = inView; list.hidden = hidden; }
            listed = list.listed || [];
            inView = list.inView || 0;
            // the events drawn in the map's frame (the page's own count is the view's); with
            // every episode layer off (the regions map) it says why there are none
            list.summary.textContent = list.hidden
                ? "Events on the map: none (event layers off)"
                : "Events on the map: " + inView.toLocaleString("en-US");
            if (!list.details.open) { return; }
            var key = listed.join(",");
            if (key === list.key) { return; }
            list.key = key;
            var focused = document.activeElement, keep = null;
            if (focused && focused.parentNode && focused.parentNode.parentNode === list.ol) {
                keep = focused.getAttribute("data-row");
            }
            while (list.ol.firstChild) { list.ol.removeChild(list.ol.firstChild); }
            list.note.textContent = listed.length < inView
                ? "The first " + listed.length + " of " + inView.toLocaleString("en-US") +
                  ": zoom in or shorten the period for the rest."
                : "";
            listed.slice().sort(function (a, b) { return d.c.d0[a] - d.c.d0[b] || a - b; })
                .forEach(function (i) {
                    var li = L.DomUtil.create("li", "", list.ol);
                    var button = L.DomUtil.create("button", "cm-event-item", li);
                    button.type = "button";
                    button.setAttribute("data-row", String(i));
                    button.textContent = iso(d.c.d0[i] + d.day0) + " \u00b7 " + d.head.types[d.c.t[i]];
                    self.details(i).then(function (r) {  // the tooltip's words: date, type, place
                        button.textContent = r[0].tooltip(r[1]).textContent;
                    }, function () { /* the short label stays; the error is on the map */ });
                    L.DomEvent.on(button, "click", function (e) {
                        L.DomEvent.stop(e);
                        self.openPopup(i, button);
                    });
                    if (keep === String(i)) { button.focus(); }
                });
        }
    });
    L.conflictEvents = function (options) { return new L.ConflictEvents(options); };

    /* An episode's switch: on the map while its layer (in the layer control) is shown. */
    L.ConflictEpisode = L.Layer.extend({
        initialize: function (events, id) { this._target = events; this._id = id; },
        onAdd: function () { this._target.setEpisode(this._id, true); },
        onRemove: function () { this._target.setEpisode(this._id, false); }
    });
})(window.L);
