// Main.cs -- the gcp-clr command line.
//
//   gcp-clr verdict [--runs N] [-v] PATH...   CoreCLR verdict of each program
//   gcp-clr observe [--runs N] PATH...        observation lines (gcfuzz clr-compare)
//
// PATH is a .gcp file or a folder (its *.gcp files, sorted).  Every program
// runs N times (default 5) in this process, each run from a fresh state
// (Engine.Reset); the runs must observe the same values.  Exit status: 0
// everything agrees (or is declared), 1 an undeclared disagreement, a
// stale declaration, a failed finalizer-order fact or a nondeterministic
// program, 2 a bad program or bad usage.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GcpClr
{
    public static class Cli
    {
        static int Usage(string msg)
        {
            if (msg != null) Console.Error.WriteLine("gcp-clr: " + msg);
            Console.Error.WriteLine("usage: gcp-clr verdict [--runs N] [-v] PATH...\n       gcp-clr observe [--runs N] PATH...\n       gcp-clr facts [--runs N]");
            return 2;
        }

        // CoreCLR tunes its gen0 budget from the collections it has seen, and
        // that tuning changes later promotion decisions: a program's results
        // would depend on the programs run before it in the process.  A fixed
        // gen0 budget (64 MiB; no program allocates that much) removes the
        // history.  The GC reads it only from the environment, so the runner
        // starts itself again with it when it is missing.
        const string Gen0Var = "DOTNET_GCgen0size";
        const string Gen0Value = "0x4000000";

        static int Relaunch(string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { UseShellExecute = false };
            psi.ArgumentList.Add(typeof(Cli).Assembly.Location);
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment[Gen0Var] = Gen0Value;
            using var child = System.Diagnostics.Process.Start(psi);
            child.WaitForExit();
            return child.ExitCode;
        }

        public static int Main(string[] args)
        {
            if (Environment.GetEnvironmentVariable(Gen0Var) != Gen0Value) return Relaunch(args);
            if (args.Length == 0) return Usage(null);
            string cmd = args[0];
            if (cmd == "--help" || cmd == "-h") { Usage(null); return 0; }
            int runs = 5;
            if (cmd == "facts")
            {
                if (args.Length == 3 && args[1] == "--runs" && int.TryParse(args[2], out int fr) && fr >= 1) return Facts.Run(fr);
                if (args.Length == 1) return Facts.Run(runs);
                return Usage("facts takes only --runs N");
            }
            bool verbose = false;
            var paths = new List<string>();
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] == "--runs" && i + 1 < args.Length)
                {
                    if (!int.TryParse(args[++i], out runs) || runs < 1 || runs > 1000) return Usage("--runs takes 1..1000");
                }
                else if (args[i] == "-v" || args[i] == "--verbose") verbose = true;
                else if (args[i].StartsWith("-")) return Usage($"unknown option {args[i]}");
                else paths.Add(args[i]);
            }
            if (paths.Count == 0) return Usage("no program given");
            var files = new List<string>();
            foreach (var p in paths)
            {
                if (Directory.Exists(p)) files.AddRange(Directory.GetFiles(p, "*.gcp").OrderBy(f => f, StringComparer.Ordinal));
                else if (File.Exists(p)) files.Add(p);
                else return Usage($"{p}: no such file or folder");
            }
            var progs = new List<Program>();
            foreach (var f in files)
            {
                try { progs.Add(Parser.ParseFile(f)); }
                catch (GcpError e) { Console.Error.WriteLine(e.Message); return 2; }
                catch (IOException e) { Console.Error.WriteLine($"{f}: {e.Message}"); return 2; }
            }
            Warmup();
            if (cmd == "verdict") return Verdicts(progs, runs, verbose);
            if (cmd == "observe") return Observe(progs, runs);
            return Usage($"unknown command {cmd}");
        }

        // Runs every kind of statement once, so that the runner's own code is
        // compiled and its lazily built state exists before any real program.
        static void Warmup()
        {
            const string text = @"type N size=40 refs=2 finalizer=count
type C size=24 finalizer=reregister critical
type R size=32 refs=1 finalizer=resurrect:s0
type A size=24 finalizer=alloc:N
type B array elem=1
type O array elem=ref
a = new N
b = new B[10]
c = new O[2]
c.0 = a
a.1 = c
d = c.0
e = a.1
k = new C
r = new R
m = new A
h = handle pinned a
w = handle weak b
v = handle weak_long a
s = handle strong b
static s1 = a
f = static s1
g = target w
suppress a
reregister a
thread 1
drop k
drop r
drop m
collect 0
collect 1
collect compact_loh
finalize
free h
expect gen a 2
expect loh b
expect soh a
expect null g
expect target v a
expect finalized k 1
expect collections 0 3
expect pinned_count 1
expect oom
";
            var p = Parser.Parse("warmup", text);
            for (int i = 0; i < 2; i++) Engine.Run(p);
        }

        static List<RunResult> RunAll(Program p, int runs)
        {
            var r = new List<RunResult>();
            for (int i = 0; i < runs; i++) r.Add(Engine.Run(p));
            return r;
        }

        static string Nondeterminism(List<RunResult> rs)
        {
            string s0 = rs[0].Signature();
            for (int i = 1; i < rs.Count; i++)
                if (rs[i].Signature() != s0)
                {
                    // name the first expectation or drain that differs
                    var a = rs[0]; var b = rs[i];
                    for (int k = 0; k < Math.Min(a.Obs.Count, b.Obs.Count); k++)
                        if (a.Obs[k].Observed != b.Obs[k].Observed)
                            return $"run 1 and run {i + 1} differ at line {a.Obs[k].S.Line} ({a.Obs[k].S.Text}): {a.Obs[k].Observed ?? "n/a"} vs {b.Obs[k].Observed ?? "n/a"}";
                    for (int k = 0; k < Math.Min(a.Fin.Count, b.Fin.Count); k++)
                        if (!a.Fin[k].Ids.AsSpan().SequenceEqual(b.Fin[k].Ids))
                            return $"run 1 and run {i + 1} differ in the finalizer calls of line {a.Fin[k].S.Line}: [{string.Join(" ", a.Fin[k].Ids)}] vs [{string.Join(" ", b.Fin[k].Ids)}]";
                    string Ms(RunResult r) => string.Join(" ", r.Mates.ConvertAll(m => $"{m.Line}:{m.Id}@{m.Gen}~{m.Pinned}+{m.Gap}"));
                    if (Ms(a) != Ms(b))
                        return $"run 1 and run {i + 1} differ in the plug-mates: [{Ms(a)}] vs [{Ms(b)}]";
                    return $"run 1 and run {i + 1} differ ({a.Error ?? "-"} / {b.Error ?? "-"})";
                }
            return null;
        }

        static int Verdicts(List<Program> progs, int runs, bool verbose)
        {
            int failed = 0, bad = 0, agreeTotal = 0, strictTotal = 0, naTotal = 0;
            foreach (var p in progs)
            {
                var rs = RunAll(p, runs);
                var r = rs[0];
                var problems = new List<string>();
                var lines = new List<string>();
                string nd = Nondeterminism(rs);
                if (nd != null) problems.Add("nondeterministic: " + nd);
                if (r.ProgramError)
                {
                    Console.WriteLine(r.Error);
                    Console.WriteLine($"BAD  {p.File}: program error");
                    bad++;
                    continue;
                }
                int agree = 0, strict = 0, na = 0;
                var used = new HashSet<Declaration>();
                foreach (var o in r.Obs)
                {
                    var decl = p.Declarations.FirstOrDefault(d => d.Selects(o.S));
                    string where = $"line {o.S.Line} `{o.S.Text}`";
                    if (o.NotObservable != null)
                    {
                        na++;
                        lines.Add($"  n/a    {where}: {o.NotObservable}");
                    }
                    else if (o.Observed == o.Expected)
                    {
                        agree++;
                        if (decl != null && decl.Lines.Contains(o.S.Line))
                            problems.Add($"{where} is declared strict-only (line {decl.Line}) but CoreCLR agrees ({o.Observed})");
                        if (verbose) lines.Add($"  agree  {where}");
                    }
                    else if (decl != null)
                    {
                        strict++;
                        used.Add(decl);
                        lines.Add($"  strict {where}: CoreCLR {o.Observed} ({decl.Reason})");
                    }
                    else
                        problems.Add($"{where}: CoreCLR {o.Observed}, the program expects {o.Expected} (undeclared)");
                }
                foreach (var d in p.Declarations)
                    if (!used.Contains(d))
                        problems.Add($"declaration at line {d.Line} selects no expectation CoreCLR disagrees with (stale): {d.Text}");
                if (r.Error != null)
                {
                    lines.Add("  stop   " + r.Error);
                    int reached = r.Obs.Count;
                    int total = p.Stmts.Count(s => s.IsExpect);
                    na += total - reached;
                    if (total > reached) lines.Add($"  n/a    {total - reached} expectation(s) after the stop");
                }
                foreach (var oc in p.Orders)
                {
                    var rec = r.Fin.FirstOrDefault(f => f.S.Line == oc.FinalizeLine);
                    var want = oc.Names.Select(n => r.LocalIds[p.Locals.IndexOf(n)]).ToArray();
                    string Names(int[] ids) => string.Join(" ", ids.Select(id =>
                    {
                        int li = Array.IndexOf(r.LocalIds, id);
                        return id > 0 && li >= 0 ? p.Locals[li] : "#" + id;
                    }));
                    if (rec == null) problems.Add($"finalizer-order (line {oc.Line}): the finalize at line {oc.FinalizeLine} was not reached");
                    else if (!rec.Ids.AsSpan().SequenceEqual(want))
                        problems.Add($"finalizer-order (line {oc.Line}): the finalize at line {oc.FinalizeLine} called [{Names(rec.Ids)}], the program says [{string.Join(" ", oc.Names)}]");
                    else
                    {
                        agree++;
                        if (verbose) lines.Add($"  agree  finalizer order at line {oc.FinalizeLine}: {string.Join(" ", oc.Names)}");
                    }
                }
                foreach (var g in r.Gcs)
                    if (g.Gen != g.S.N) lines.Add($"  note   line {g.S.Line} `{g.S.Text}`: CoreCLR ran a gen{g.Gen} collection");
                foreach (var n in r.Notes) lines.Add("  note   " + n);
                agreeTotal += agree; strictTotal += strict; naTotal += na;
                string summary = $"{agree} agree, {strict} strict-only as declared, {na} not observable";
                if (problems.Count > 0)
                {
                    failed++;
                    Console.WriteLine($"FAIL {p.File}: {summary}");
                    foreach (var pr in problems) Console.WriteLine("  FAIL   " + pr);
                }
                else Console.WriteLine($"PASS {p.File}: {summary}; {runs} runs identical");
                foreach (var l in lines) Console.WriteLine(l);
            }
            Console.WriteLine($"gcp-clr: {progs.Count - failed - bad} of {progs.Count} programs pass on CoreCLR {Environment.Version} " +
                              $"({agreeTotal} expectations agree, {strictTotal} strict-only, {naTotal} not observable)");
            return bad > 0 ? 2 : failed > 0 ? 1 : 0;
        }

        static int Observe(List<Program> progs, int runs)
        {
            var w = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
            foreach (var p in progs)
            {
                var rs = RunAll(p, runs);
                // CoreCLR may behave differently from run to run (where a
                // pinned plug ends up, which neighbour becomes its mate):
                // every distinct run is printed as a block of its own, so the
                // comparison checks each against the oracle's clr profile.
                string nd = Nondeterminism(rs);
                var variants = new List<RunResult>();
                foreach (var x in rs)
                    if (!variants.Exists(v => v.Signature() == x.Signature())) variants.Add(x);
                for (int vi = 0; vi < variants.Count; vi++)
                {
                    var r = variants[vi];
                    w.WriteLine($"program {p.File}");
                    foreach (var o in r.Obs)
                    {
                        if (o.NotObservable != null) w.WriteLine($"na {o.S.Line} {o.S.ExpectKind} {o.NotObservable}");
                        else w.WriteLine($"obs {o.S.Line} {o.S.ExpectKind} {o.Observed}");
                    }
                    foreach (var f in r.Fin)
                        w.WriteLine($"fin {f.S.Line}{(f.Ids.Length > 0 ? " " : "")}{string.Join(" ", f.Ids)}");
                    foreach (var g in r.Gcs)
                        w.WriteLine($"gc {g.S.Line} {g.Gen}");
                    foreach (var m in r.Mates)
                        w.WriteLine(m.Pinned == 0 ? $"pin {m.Line} {m.Id} {m.Gen}" : $"mate {m.Line} {m.Id} {m.Gen} {m.Pinned} {m.Gap}");
                    if (r.Error != null) w.WriteLine((r.ProgramError ? "error " : "stop ") + r.Error);
                    foreach (var n in r.Notes) w.WriteLine("note " + n);
                    if (variants.Count > 1)
                        w.WriteLine($"variant {vi + 1} {variants.Count} {nd}");
                    w.WriteLine($"end {p.File} runs={runs}");
                }
                w.Flush();
            }
            return 0;
        }
    }
}
