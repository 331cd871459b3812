// The report's stylesheet, inlined into report.html. Light and dark schemes; one column on a
// phone, cards and charts reflowing as the window widens.
export const REPORT_CSS = `
:root{--bg:#fbfbfa;--fg:#1d1f23;--muted:#646a73;--line:#e3e4e8;--card:#fff;--pass:#1a7f37;--fail:#c62828;--warn:#b26a00;
--used:#9db7e0;--floor:#1f5fbf;--trend:#d1495b;--rss:#6a4c93;--cpu:#2a9d8f;
--c0:#1f5fbf;--c1:#e07a1f;--c2:#2a9d8f;--c3:#a23b72;--c4:#6a4c93;--c5:#7a8b2a;--c6:#c62828;--c7:#3d5a80;
--conn:#5b8def;--fault:#f08c00;--state:#8e44ad;--crash:#d32f2f;--breach:#e6007e;--snapshot:#00897b;--life:#9aa0a6}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e6e7ea;--muted:#9aa0a8;--line:#30343a;--card:#1d2024;--pass:#4cc26d;--fail:#ff6b6b;
--used:#3e5f8f;--floor:#7fb0ff;--trend:#ff7a8a;--rss:#b79ced;--cpu:#4fd1c5;--c0:#7fb0ff;--c1:#ffae5c;--c2:#4fd1c5;--c3:#f07fbf;--c4:#b79ced;--c5:#c3d46a;--c6:#ff6b6b;--c7:#8fb3e0}}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
main{max-width:72rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 .25rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:2rem 0 .6rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 .4rem;display:flex;gap:.4rem;align-items:baseline;flex-wrap:wrap}
.sub{color:var(--muted);margin:0 0 1rem}
.badge{display:inline-block;font-size:.75rem;font-weight:700;letter-spacing:.04em;padding:.1rem .5rem;border-radius:1rem;color:#fff;background:var(--pass)}
.badge.bad{background:var(--fail)}.badge.partial{background:var(--warn)}
.pass{color:var(--pass)}.fail{color:var(--fail);font-weight:600}.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.75rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.75rem .9rem;border-top:3px solid var(--pass)}
.card.bad{border-top-color:var(--fail)}.card.neutral{border-top-color:var(--line)}
.card dl{display:grid;grid-template-columns:fit-content(55%) 1fr;gap:.15rem .75rem;margin:0;font-size:.9rem}
.card dt{color:var(--muted)}.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:break-word;min-width:0}
.card .err{color:var(--fail);font-size:.85rem;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:.75rem}
.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.6rem .75rem .4rem;min-width:0}
figcaption{display:flex;flex-wrap:wrap;gap:.25rem .9rem;align-items:baseline;margin-bottom:.9rem}
.ct{font-weight:600}.cu{font-weight:400;font-size:.8rem;color:var(--muted)}.legend{display:flex;flex-wrap:wrap;gap:.2rem .7rem;font-size:.8rem;color:var(--muted)}.cn{font-size:.8rem;color:var(--muted);flex-basis:100%}
.key{display:inline-flex;align-items:center;gap:.3rem}
.sw{display:inline-block;width:1rem;height:0;border-top:2px solid currentColor}.sw.dots{width:.5rem;height:.5rem;border:0;border-radius:50%;background:currentColor}.sw.trend{border-top-style:dashed}
.plot{display:grid;grid-template-columns:3.2rem 1fr;grid-template-rows:13rem 1.3rem;font-size:.72rem;color:var(--muted)}
.yl{position:relative;margin-right:.35rem}.yl span{position:absolute;right:0;transform:translateY(-50%);white-space:nowrap;font-variant-numeric:tabular-nums}
.pa{position:relative;border-left:1px solid var(--line);border-bottom:1px solid var(--line)}
.pa svg{position:absolute;inset:0;width:100%;height:100%;overflow:hidden}
.pa path{vector-effect:non-scaling-stroke;fill:none;stroke-linejoin:round}
.pa .grid{stroke:var(--line);stroke-width:1}
.pa .line{stroke-width:1.6}.pa .dots{stroke-width:5;stroke-linecap:round}.pa .trend{stroke-width:1.8;stroke-dasharray:6 4}
.pa .ml{stroke-width:1;stroke-dasharray:2 3;opacity:.75}
.xl{grid-column:2;position:relative}.xl span{position:absolute;top:.2rem;transform:translateX(-50%);white-space:nowrap}
.xl span:first-child{transform:none}
.pins{position:absolute;left:0;right:0;top:-.45rem;height:0}
.pin{position:absolute;transform:translateX(-50%);min-width:.8rem;height:.8rem;border-radius:.45rem;font-size:.55rem;line-height:.8rem;text-align:center;color:#fff;padding:0 .15rem;cursor:help;border:1px solid var(--card)}
.used{color:var(--used);stroke:var(--used)}.floor{color:var(--floor);stroke:var(--floor)}.trendc{color:var(--trend);stroke:var(--trend)}
.rss{color:var(--rss);stroke:var(--rss)}.cpu{color:var(--cpu);stroke:var(--cpu)}
${[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `.c${i}{color:var(--c${i});stroke:var(--c${i})}`).join('')}
${['conn', 'fault', 'state', 'crash', 'breach', 'snapshot', 'life'].map((c) => `.ml.${c}{stroke:var(--${c})}.pin.${c},.mk.${c}{background:var(--${c})}`).join('\n')}
.markers{display:flex;flex-wrap:wrap;gap:.3rem .9rem;font-size:.8rem;color:var(--muted);margin:.25rem 0 .75rem}
.mk{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.3rem;vertical-align:-.05rem}
.nodata{color:var(--muted);font-style:italic}
.tw{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:.6rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border-bottom:1px solid var(--line);padding:.35rem .6rem;text-align:left;vertical-align:top}
tr:last-child td{border-bottom:0}
th{font-weight:600;color:var(--muted);white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.v,th.v{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}td.r,th.r{white-space:nowrap}
code{font-size:.88em;overflow-wrap:anywhere}
details{margin:.6rem 0}summary{cursor:pointer;color:var(--muted)}
pre{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.6rem;overflow:auto;font-size:.8rem;max-height:30rem}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}.meta dt{color:var(--muted)}.meta dd{margin:0;overflow-wrap:anywhere}
.notes{background:var(--card);border-left:3px solid var(--warn);padding:.4rem .8rem;font-size:.9rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.8rem}
@media (max-width:40rem){main{padding:.6rem .6rem 2rem}.plot{grid-template-rows:11rem 1.3rem;grid-template-columns:2.7rem 1fr}.xl span.odd{display:none}
.meta{grid-template-columns:1fr}.meta dd{margin-bottom:.3rem}h1{font-size:1.3rem}td,th{padding:.3rem .4rem}}
`;
