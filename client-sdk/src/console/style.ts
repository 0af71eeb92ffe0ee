/**
 * The console's look: plain and dense on a desk's wide screen, one column with 44 px touch
 * targets on a phone (the desk reporter at the venue works from one).
 */
export const CSS = `
.ltx{font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;max-width:90rem;margin:0 auto}
.ltx *{box-sizing:border-box}
.ltx [hidden]{display:none!important}
.ltx .lt-sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.ltx .ltx-drop:focus-within label.btn{outline:2px solid #0a5bd3;outline-offset:2px}
.ltx form[role=search]{flex-wrap:nowrap}.ltx form[role=search]>input{flex:3 1 8rem}.ltx form[role=search]>button,.ltx form[role=search]>select{flex:0 0 auto;width:auto}
.ltx h1{font-size:1.1rem;margin:0}
.ltx h2{font-size:1rem;margin:.75rem 0 .5rem;border-bottom:2px solid #1a1a1a;padding-bottom:.2rem}
.ltx h3{font-size:.95rem;margin:.5rem 0 .25rem}
.ltx input,.ltx textarea,.ltx select{font:inherit;padding:.4rem .5rem;margin:.15rem 0;width:100%;min-height:2.25rem;border:1px solid #767676;border-radius:3px;background:#fff;color:#1a1a1a}
.ltx input[type=checkbox],.ltx input[type=radio]{width:1.1rem;min-height:0;height:1.1rem;margin:0 .4rem 0 0;vertical-align:middle}
.ltx button,.ltx .btn{font:inherit;padding:.35rem .8rem;margin:.15rem .25rem .15rem 0;cursor:pointer;border:1px solid #767676;background:#fff;color:#1a1a1a;border-radius:3px;min-height:2.25rem;display:inline-flex;align-items:center;gap:.3rem}
.ltx button:disabled{opacity:.55;cursor:default}
.ltx button.primary{background:#0a5bd3;color:#fff;border-color:#0a5bd3;font-weight:600}
.ltx button.danger{color:#b00020;border-color:#b00020}
.ltx button[aria-pressed=true]{background:#1a1a1a;color:#fff}
.ltx :focus-visible{outline:2px solid #0a5bd3;outline-offset:2px}
.ltx label{display:block;margin:.35rem 0;font-weight:600;font-size:.85rem}
.ltx label.inline{display:inline-flex;align-items:center;font-weight:400;font-size:.95rem;margin-right:1rem;min-height:2.25rem}
.ltx .row{display:flex;gap:.5rem;flex-wrap:wrap}.ltx .row>*{flex:1 1 10rem;min-width:0}
.ltx ul{list-style:none;margin:0;padding:0}
.ltx .meta{font-size:.8rem;color:#595959}
.ltx .err{color:#b00020;font-weight:600}.ltx .ok{color:#0a7a32;font-weight:600}
.ltx .field-error{color:#b00020;font-size:.8rem;font-weight:600;display:block}
.ltx [aria-invalid=true]{border-color:#b00020;border-width:2px}
.ltx-top{display:flex;align-items:center;gap:.5rem;flex-wrap:wrap;border-bottom:1px solid #ddd;padding-bottom:.5rem}
.ltx-top select{width:auto;min-width:12rem;flex:1 1 14rem;max-width:28rem}
.ltx-top .me{margin-left:auto;font-size:.85rem;color:#595959}
.ltx select.ltx-lang{width:auto;min-width:0;flex:0 0 auto}
.ltx-way-in .ltx-lang-row{display:flex;justify-content:flex-end}
.ltx-tabs{display:flex;gap:0;margin:.5rem 0;border-bottom:1px solid #ccc;overflow-x:auto}
.ltx-tabs button{border:0;border-bottom:3px solid transparent;border-radius:0;margin:0;background:none;padding:.5rem .9rem}
.ltx-tabs button[aria-selected=true]{border-bottom-color:#0a5bd3;font-weight:700}
.ltx-presence{font-size:.85rem;color:#1a1a1a;margin:.25rem 0;min-height:1.2rem}
.ltx-presence .who{display:inline-block;background:#e8f0fe;border-radius:1rem;padding:.05rem .6rem;margin:0 .25rem .25rem 0}
.ltx-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5rem;align-items:start}
.ltx-grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:1.25rem;align-items:start}
.ltx-toolbar{display:flex;flex-wrap:wrap;gap:0;border:1px solid #767676;border-bottom:0;border-radius:3px 3px 0 0;background:#f4f4f4;padding:.15rem}
.ltx-toolbar button{margin:.1rem;min-width:2.25rem;justify-content:center;border-color:transparent;background:none}
.ltx-editor{border:1px solid #767676;border-radius:0 0 3px 3px;min-height:9rem;padding:.5rem .75rem;background:#fff;font:16px/1.5 Georgia,serif}
.ltx-editor:focus{outline:2px solid #0a5bd3;outline-offset:0}
.ltx-editor p{margin:0 0 .5rem}.ltx .ltx-editor ul{list-style:disc;padding-left:1.5rem;margin:0 0 .5rem}.ltx .ltx-editor ol{list-style:decimal;padding-left:1.5rem;margin:0 0 .5rem}.ltx .ltx-editor li p{margin:0}.ltx-editor blockquote{margin:0 0 .5rem;border-left:3px solid #c00018;padding-left:.75rem;font-style:italic}
.ltx-editor p.is-editor-empty:first-child::before{content:attr(data-placeholder);color:#767676;float:left;height:0;pointer-events:none}
.ltx-drop{border:2px dashed #999;border-radius:4px;padding:.6rem;text-align:center;margin:.5rem 0;color:#454545;font-size:.9rem}
.ltx-drop.over{border-color:#0a5bd3;background:#eef4ff}
.ltx-drop img{max-width:100%;max-height:12rem;display:block;margin:0 auto .5rem}
.ltx-preview{border:1px solid #ddd;border-radius:4px;padding:.25rem .75rem;background:#fff;margin-top:.5rem}
.ltx-entries>li{border-bottom:1px solid #eee;padding:.5rem 0}
.ltx-entries>li.pinned{background:#fff8e1}
.ltx-entries .body{font:15px/1.45 Georgia,serif;overflow-wrap:anywhere}
.ltx-entries .body p{margin:0 0 .3rem}
.ltx-entries img{max-width:8rem;height:auto;float:right;margin-left:.5rem}
.ltx-badge{display:inline-block;font-size:.75rem;font-weight:700;border-radius:3px;padding:0 .35rem;background:#eee;color:#1a1a1a;margin-right:.25rem}
.ltx-badge.editing{background:#fff0c2;color:#5c3d00}
.ltx-badge.draft{background:#e0e0e0}.ltx-badge.scheduled{background:#dbe9ff;color:#0b3d91}
.ltx-merge{border:2px solid #b36b00;background:#fffaf0;padding:.75rem;border-radius:4px;margin:.5rem 0}
.ltx-merge table{width:100%;border-collapse:collapse;table-layout:fixed}
.ltx-merge th,.ltx-merge td{border:1px solid #ddd;padding:.35rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
.ltx-merge td .html p{margin:0 0 .25rem}
.ltx-history li{border-bottom:1px solid #eee;padding:.35rem 0}
.ltx-log li,.ltx-msgs>li,.ltx-queue>li,.ltx-users>li{border-bottom:1px solid #eee;padding:.4rem 0}
.ltx-msgs .body{overflow-wrap:anywhere}
.ltx-inline{display:flex;flex-wrap:wrap;align-items:end;gap:.35rem;background:#f6f6f6;padding:.4rem;border-radius:3px;margin:.25rem 0}
.ltx-inline>label{margin:0;flex:1 1 8rem}
.ltx fieldset{border:1px solid #ddd;border-radius:4px;margin:.5rem 0;padding:.25rem .75rem .5rem}
.ltx legend{font-weight:700;font-size:.85rem;padding:0 .25rem}
.ltx details>summary{cursor:pointer;font-weight:600;padding:.4rem 0;min-height:2.25rem}
.ltx-card-list{list-style:none;padding:0;margin:.5rem 0}.ltx-card-list li{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;padding:.25rem 0;border-bottom:1px solid #eee}.ltx-curl{display:block;overflow-wrap:anywhere;font-size:.85rem}.ltx-json{width:100%;font-family:monospace}
.ltx-push{border-bottom:1px solid #eee;margin:0 0 .5rem}.ltx-push .field{flex:1 1 16rem;margin:0}.ltx-push [role=group]{display:inline-flex;flex-wrap:wrap;align-items:center;gap:.25rem}
@media (max-width:800px){
.ltx-grid,.ltx-grid3{grid-template-columns:minmax(0,1fr)}
.ltx .row:not([role=search])>*{flex:1 1 100%}
.ltx input,.ltx select,.ltx textarea{min-height:2.75rem;font-size:16px}
.ltx button,.ltx .btn,.ltx details>summary{min-height:2.75rem;min-width:2.75rem}
.ltx label.inline{min-height:2.75rem}
.ltx input[type=checkbox],.ltx input[type=radio]{width:1.5rem;height:1.5rem;min-height:0;min-width:0}
.ltx-top select{max-width:none;flex-basis:100%}
.ltx-top select.ltx-lang{flex-basis:auto}
.ltx-top .me{margin-left:0}
.ltx-tabs{flex-wrap:wrap}.ltx-tabs button{flex:1 0 auto}
.ltx-entries img{max-width:5rem}
}
`;
