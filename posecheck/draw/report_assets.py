"""The report page's own stylesheet and script, inlined so the page works from a ``file://`` URL.

The script seeks a clip's video when a fault link, a timeline segment or a
rule plot is clicked (``data-video`` and ``data-t`` on the element), sorts
the index table by a column (``data-sort`` on each cell), and keeps what the
coach types in the notes areas in this browser (``localStorage``, per file).

The print stylesheet (``@media print``) lays out an A4 page per clip: the
index and the session's notes first, then each clip on its own page (a routine: the whole,
then each of its exercises on a page of its own) with its key frames instead of the video (a
video prints as a black box), the plots four to a row (their rule's name only), and no word broken across lines (a long name may wrap only
between words; ``overflow-wrap:anywhere`` split clip names letter by letter).
"""

CSS = """
:root{--fg:#1d2327;--muted:#5f6b73;--line:#dde3e7;--card:#fff;--bg:#f4f6f8;--ok:#2e9e4f;--bad:#d64545}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header,main,footer{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:0 0 8px;overflow-wrap:break-word}
h2 .badge{font-size:.62em;vertical-align:3px;margin-left:6px}h4{margin:8px 0 2px;font-size:.95em}h3{font-size:1.02em;margin:18px 0 6px}
.muted{color:var(--muted)}
.safety{background:#fff8e1;border-left:4px solid #e0a800;padding:8px 12px;margin:12px 0}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f4;white-space:nowrap}
th.sortable{cursor:pointer;user-select:none}
th.sortable::after{content:" \\2195";color:#9aa0a6}
th[aria-sort=ascending]::after{content:" \\2191";color:var(--fg)}
th[aria-sort=descending]::after{content:" \\2193";color:var(--fg)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.name{overflow-wrap:break-word}
td.date{white-space:nowrap}
.clip{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;margin:18px 0}
.clip.failed{border-color:var(--bad)}
.error{color:var(--bad);font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
.facts dt{color:var(--muted)}.facts dd{margin:0}
video{width:100%;max-height:70vh;background:#000;border-radius:6px}
svg{display:block;width:100%;height:auto}
svg .tick{font-size:12px;fill:#5f6b73}
svg.timeline{height:28px;border-radius:4px}
.seek{cursor:pointer}
.legend span{display:inline-block;margin-right:14px;font-size:.9em}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.stills{display:flex;flex-wrap:wrap;gap:12px}
.stills figure{margin:0;width:300px;max-width:100%}
.stills img{width:100%;border-radius:4px;border:1px solid var(--line)}
.stills figcaption{font-size:.92em}
ul.faults{padding-left:18px}ul.faults li{margin:4px 0}
a.seek{color:#1f5fa8}
.score{font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:.85em;white-space:nowrap}
.files a{margin-right:14px}
.notes{min-height:5.5em;border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fffef7;
 white-space:pre-wrap;background-image:repeating-linear-gradient(transparent 0 1.44em,#e8e4d0 1.44em 1.5em)}
.notes:empty::before{content:"Type your notes here; they print with the page.";color:#9aa0a6}
table.compare td,table.compare th{white-space:nowrap}
.plot-block p{margin:8px 0 2px}
@media print{
 @page{size:A4;margin:12mm}
 body{background:#fff;font-size:10pt;line-height:1.3}
 header,main,footer{max-width:none;padding:0}
 video,.files,.what,.no-video,footer,th.sortable::after{display:none}
 .clip{break-before:page;border:none;border-radius:0;padding:0;margin:0}
 h2,h3,h4{break-after:avoid}h3{margin:8px 0 3px}
 .facts{gap:0 10px;margin:4px 0}
 table{font-size:9pt}th,td{padding:3px 5px}#index td.num{white-space:nowrap}tr,figure,.plot-block,.notes-block{break-inside:avoid}
 td.name,td,th,h2{overflow-wrap:normal;word-break:normal;hyphens:none}
 .error,.muted{overflow-wrap:break-word;word-break:normal;hyphens:none}
 .stills{gap:6px}.stills figure{width:calc(16.66% - 5px)}.stills figcaption{font-size:7.5pt;line-height:1.2}
 .exercise .stills figure{width:calc(25% - 5px)}
 .plots{display:grid;grid-template-columns:1fr 1fr 1fr 1fr;gap:0 10px}
 .plot-block p{font-size:8pt;line-height:1.15;margin:3px 0 0}.plot-block .muted{display:none}svg .tick{font-size:24px}
 ul.faults{margin:2px 0}ul.faults li{margin:1px 0}
 .notes{min-height:14mm;padding:4px 8px;background:#fff;border-color:#999}.notes:empty::before{content:""}
 a{color:inherit;text-decoration:none}
 .badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 svg rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


JS = """
(function(){
  function seek(videoId, t){
    var v = document.getElementById(videoId);
    if(!v) return;
    v.pause();
    v.currentTime = t;
    v.scrollIntoView({block:'nearest'});
  }
  document.addEventListener('click', function(ev){
    var el = ev.target.closest ? ev.target.closest('[data-t][data-video]') : null;
    if(el){ ev.preventDefault(); seek(el.getAttribute('data-video'), parseFloat(el.getAttribute('data-t'))); return; }
    var plot = ev.target.closest ? ev.target.closest('svg.plot[data-video]') : null;
    if(plot){
      var box = plot.getBoundingClientRect();
      var scale = 1000 / box.width;
      var x = (ev.clientX - box.left) * scale - parseFloat(plot.getAttribute('data-left'));
      var f = x / parseFloat(plot.getAttribute('data-width'));
      if(f >= 0 && f <= 1){
        var t0 = parseFloat(plot.getAttribute('data-t0')), t1 = parseFloat(plot.getAttribute('data-t1'));
        seek(plot.getAttribute('data-video'), Math.max(0, t0 + f * (t1 - t0)));
      }
    }
  });
  document.querySelectorAll('[data-notes]').forEach(function(el){
    var key = 'posecheck-notes:' + location.pathname + '#' + el.getAttribute('data-notes');
    try { var kept = localStorage.getItem(key); if(kept) el.textContent = kept; } catch(e) {}
    el.addEventListener('input', function(){
      try { localStorage.setItem(key, el.innerText); } catch(e) {}
    });
  });
  var table = document.getElementById('index');
  if(!table) return;
  var heads = table.querySelectorAll('th.sortable');
  heads.forEach(function(th, _){
    th.addEventListener('click', function(){
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.getAttribute('data-type') === 'num';
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function(h){ h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function(a, b){
        var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
        if(numeric){
          x = x === '' ? -Infinity : parseFloat(x); y = y === '' ? -Infinity : parseFloat(y);
          return asc ? x - y : y - x;
        }
        return asc ? x.localeCompare(y) : y.localeCompare(x);
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
})();
"""
