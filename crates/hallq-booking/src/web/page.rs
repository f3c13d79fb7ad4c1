//! The booking page (`GET /book` at the hub, `GET /book/<hall>` at HQ): one page for a phone, Chinese first with the English under
//! it, no external assets. A small inline script talks to the JSON API beside it; every text a
//! person reads from the API comes in both languages.

use hallq_proto::LocalText;
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = r"
body{font-family:sans-serif;margin:0;padding:12px;font-size:18px;background:#f5f7fa;color:#111}
h1{font-size:22px;margin:4px 0 12px}
.en{color:#555;font-size:14px;display:block}
label{display:block;margin:12px 0 4px;font-weight:bold}
select,input,button{font-size:18px;padding:10px;width:100%;box-sizing:border-box;border-radius:6px;border:1px solid #999}
button{background:#0a5bd3;color:#fff;border:none;margin-top:12px}
button.ghost{background:#fff;color:#0a5bd3;border:1px solid #0a5bd3}
#slots{display:grid;grid-template-columns:repeat(3,1fr);gap:6px}
#slots button{margin:0;padding:8px 2px;font-size:16px}
#slots button[disabled]{background:#ccc;color:#666}
#slots button.on{background:#083b8a;outline:3px solid #f5a623}
#msg{margin-top:14px;padding:10px;border-radius:6px;display:none}
#msg.err{display:block;background:#fde2e1;color:#8a1111}
#msg.ok{display:block;background:#dff5e1;color:#0d5a1a}
#code{font-size:30px;letter-spacing:3px;font-weight:bold}
";

const SCRIPT: &str = r#"
const $=id=>document.getElementById(id);const B=document.body.dataset.base;let chosen=null;
function say(kind,zh,en){const m=$('msg');m.className=kind;m.innerHTML='';const a=document.createElement('span');a.textContent=zh;const b=document.createElement('span');b.className='en';b.textContent=en;m.append(a,b);m.scrollIntoView({block:'center'});}
async function call(path,body){const r=await fetch(path,body?{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}:{});const j=await r.json();if(!r.ok){const e=j.error||{};say('err',e.zh||'出错了',e.en||'Something went wrong.');throw e;}return j;}
async function load(){const o=await call(B+'/api/options');const b=$('business'),d=$('day');
o.business.forEach(x=>{const e=document.createElement('option');e.value=x.code;e.textContent=x.zh+' / '+x.en;b.append(e);});
o.days.forEach(x=>{const s=String(x);const e=document.createElement('option');e.value=x;e.textContent=s.slice(0,4)+'-'+s.slice(4,6)+'-'+s.slice(6);d.append(e);});
b.onchange=d.onchange=slots;await slots();}
async function slots(){chosen=null;const j=await call(B+'/api/slots?business='+encodeURIComponent($('business').value)+'&day='+$('day').value);const g=$('slots');g.innerHTML='';
j.slots.forEach(s=>{const e=document.createElement('button');e.type='button';e.textContent=s.time+' ('+s.left+')';e.dataset.start=s.start_min;e.disabled=!s.open;e.onclick=()=>{chosen=s.start_min;[...g.children].forEach(c=>c.classList.remove('on'));e.classList.add('on');};g.append(e);});}
async function otp(){const j=await call(B+'/api/otp',{mobile:$('mobile').value});say('ok','验证码已发送至 '+j.to,'A code was sent to '+j.to+'.');}
async function book(){if(chosen===null){say('err','请选择时段','Choose a time slot.');return;}
const j=await call(B+'/api/bookings',{business:$('business').value,day:Number($('day').value),start_min:chosen,mobile:$('mobile').value,otp:$('otp').value});
say('ok','预约成功，请凭预约码到厅签到','Booked: check in at the hall with this code.');const c=document.createElement('div');c.id='code';c.textContent=j.code;$('msg').append(c);c.scrollIntoView({block:'center'});}
async function cancel(){const j=await call(B+'/api/bookings/'+encodeURIComponent($('ccode').value)+'/cancel',{mobile:$('cmobile').value});say('ok','预约 '+j.code+' 已取消','Booking '+j.code+' is cancelled.');await slots();}
$('send').onclick=()=>otp().catch(()=>{});$('book').onclick=()=>book().catch(()=>{});$('cancel').onclick=()=>cancel().catch(()=>{});
load().catch(()=>{});
"#;

/// The page of hall `hall`, whose API is under `base` (`/book` at the hub, `/book/<hall>` at
/// HQ).
pub fn page(base: &str, hall: &LocalText) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "预约取号 · " (hall.zh) }
                style { (PreEscaped(STYLE)) }
            }
            body data-base=(base) {
                h1 { "预约取号 · " (hall.zh) span.en { "Book a visit · " (hall.en) } }
                label for="business" { "业务" span.en { "Business" } }
                select #business {}
                label for="day" { "日期" span.en { "Day" } }
                select #day {}
                label { "时段（剩余名额）" span.en { "Time (places left)" } }
                div #slots {}
                label for="mobile" { "手机号码" span.en { "Mobile number" } }
                input #mobile type="tel" inputmode="numeric" maxlength="13" autocomplete="tel";
                button #send .ghost type="button" { "获取验证码 / Send code" }
                label for="otp" { "验证码" span.en { "Code" } }
                input #otp type="text" inputmode="numeric" maxlength="6" autocomplete="one-time-code";
                button #book type="button" { "预约 / Book" }
                div #msg role="status" {}
                details {
                    summary { "取消预约 / Cancel a booking" }
                    label for="ccode" { "预约码" span.en { "Booking code" } }
                    input #ccode type="text" maxlength="10";
                    label for="cmobile" { "手机号码" span.en { "Mobile number" } }
                    input #cmobile type="tel" inputmode="numeric" maxlength="13";
                    button #cancel .ghost type="button" { "取消预约 / Cancel" }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}
