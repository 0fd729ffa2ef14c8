import * as esbuild from 'esbuild';
const r = await esbuild.build({ entryPoints: [process.argv[2]], bundle: true, platform: 'node', format: 'esm', minify: true,
    mainFields: ['module', 'main'], external: ['@aws-sdk/*'], write: false, metafile: true, outfile: '/tmp/cs/out.mjs', logLevel: 'error' });
const out = Object.values(r.metafile.outputs)[0];
const f = process.argv[3];
const rows = Object.entries(out.inputs).filter(([p]) => p.includes(f)).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput);
let dirs = {};
for (const [p,v] of rows) { const d = p.split('/').slice(0,-1).join('/'); dirs[d]=(dirs[d]??0)+v.bytesInOutput; }
console.log(dirs);
console.log(rows.slice(0,15).map(([p,v])=>p+' '+v.bytesInOutput).join('\n'));
