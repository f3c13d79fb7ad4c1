//! The page's stylesheet and script, inline: the hall's guest Wi-Fi may reach nothing beyond
//! the hub, so the page loads nothing else (no CDN, no font, no sound file).

/// The stylesheet. Sizes in `rem`, so that the large-text switch scales everything at once.
pub const CSS: &str = r#"
*{box-sizing:border-box}
html{font-size:16px;-webkit-text-size-adjust:100%}
html.large{font-size:22px}
body{margin:0;font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;background:#f3f5f8;color:#111;line-height:1.4}
html:not([lang=en]) .en{display:none}
html[lang=en] .zh{display:none}
header{display:flex;justify-content:space-between;align-items:center;gap:.5rem;padding:.6rem .8rem;background:#0b5cab;color:#fff}
header .hall{font-weight:bold;font-size:1rem}
header button{font:inherit;font-size:.85rem;padding:.35rem .6rem;margin-left:.3rem;border:1px solid #fff;border-radius:.4rem;background:transparent;color:#fff;min-height:2.2rem}
main{padding:.8rem;max-width:36rem;margin:0 auto}
section{background:#fff;border-radius:.8rem;padding:.9rem 1rem;margin-bottom:.8rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.ticket{text-align:center}
.label{color:#555;font-size:.95rem}
.number{font-size:4rem;font-weight:bold;letter-spacing:.05em;color:#0b5cab;line-height:1.1}
.business{font-size:1.2rem}
.status{text-align:center;font-size:1.1rem}
.ahead .big{font-size:2.6rem;font-weight:bold;color:#0b5cab}
.wait{margin-top:.3rem;font-size:1.1rem}
.hint{color:#666;font-size:.85rem;margin:.6rem 0 0}
.called{background:#c62828;color:#fff}
.called .callout{font-size:1.4rem}
.counter{font-size:3.6rem;font-weight:bold;line-height:1.15;margin:.2rem 0}
.counter.small{font-size:2rem}
.serving{background:#e8f5e9}
.done{background:#e3f2fd}
.gone{background:#fff3e0}
.docs h2,.rate h2{font-size:1.05rem;margin:0 0 .5rem}
.docs ul{margin:0;padding-left:1.3rem}
.docs li{margin:.2rem 0}
.rate form{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.grade{font:inherit;font-size:1.1rem;min-height:3.4rem;border:0;border-radius:.6rem;color:#fff}
.very_satisfied{background:#2e7d32}.satisfied{background:#66bb6a}.neutral{background:#f9a825}.dissatisfied{background:#c62828}
.rated{text-align:center}
.notice h2{font-size:1.05rem;margin:0 0 .5rem}
.notice form{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.lead{font:inherit;font-size:1rem;min-height:3rem;border:1px solid #0b5cab;border-radius:.6rem;background:#e8f0fb;color:#0b5cab}
.notice.set{background:#e8f0fb}
.near{background:#ef6c00;color:#fff;text-align:center}
.near .callout{font-size:1.6rem;font-weight:bold}
.offline{margin:0 .8rem .8rem;padding:.5rem;background:#fff3cd;border-radius:.4rem;text-align:center}
footer{color:#777;font-size:.8rem;text-align:center;padding:0 1rem 1.5rem}
body.message main{padding-top:3rem;text-align:center}
body.message h1{font-size:1.5rem}
"#;

/// The script: keeps the live part current through the events stream (the browser reconnects
/// it by itself; coming back from sleep also asks the state at once), vibrates and beeps when
/// the ticket is called or its "your turn is near" notice appears, and remembers the language
/// and text size on the phone.
pub const SCRIPT: &str = r#"
(function(){
var root=document.documentElement,token=document.body.dataset.token,base='/t/'+token;
var live=document.getElementById('live'),off=document.getElementById('offline');
function kind(){var s=live.querySelector('[data-state]');return s?s.dataset.state:'';}
function counter(){var c=document.getElementById('counter');return c?c.textContent:'';}
var ac=null;
function unlock(){try{if(!ac){var A=window.AudioContext||window.webkitAudioContext;if(A)ac=new A();}if(ac&&ac.state==='suspended')ac.resume();}catch(e){}}
document.addEventListener('click',unlock);document.addEventListener('touchstart',unlock);
function beep(){if(!ac)return;try{[0,0.45].forEach(function(t){var o=ac.createOscillator(),g=ac.createGain();o.frequency.value=880;g.gain.value=0.25;o.connect(g);g.connect(ac.destination);o.start(ac.currentTime+t);o.stop(ac.currentTime+t+0.3);});}catch(e){}}
function cue(){if(navigator.vibrate){navigator.vibrate([400,150,400,150,400]);}beep();}
function near(){return !!live.querySelector('[data-notice=near]');}
function show(html){var was=kind()+counter(),wasNear=near();live.innerHTML=html;var now=kind();if(now==='called'&&was!==now+counter()){cue();}else if(near()&&!wasNear){cue();}}
function fetchNow(){fetch(base+'/live',{cache:'no-store'}).then(function(r){if(r.status===200)return r.json();if(r.status===404||r.status===410){location.reload();}}).then(function(j){if(j)show(j.html);}).catch(function(){});}
var es=null;
function connect(){if(!window.EventSource)return;es=new EventSource(base+'/events');
es.addEventListener('ticket',function(e){off.hidden=true;try{show(JSON.parse(e.data).html);}catch(x){}});
es.onopen=function(){off.hidden=true;};
es.onerror=function(){off.hidden=false;if(es.readyState===2){setTimeout(connect,3000);}};}
connect();
document.addEventListener('visibilitychange',function(){if(document.visibilityState==='visible'){fetchNow();if(!es||es.readyState===2)connect();}});
window.addEventListener('pageshow',function(e){if(e.persisted)fetchNow();});
var lang=localStorage.getItem('hallq-lang');if(lang&&location.search.indexOf('lang=')<0){root.lang=lang;}
if(localStorage.getItem('hallq-large')==='1'){root.classList.add('large');}
document.getElementById('lang').onclick=function(){root.lang=root.lang==='en'?'zh-CN':'en';localStorage.setItem('hallq-lang',root.lang);};
document.getElementById('large').onclick=function(){var on=root.classList.toggle('large');localStorage.setItem('hallq-large',on?'1':'0');};
})();
"#;
