// Facts.cs -- `gcp-clr facts`: CoreCLR facts about finalization that .gcp
// expectations cannot state, checked with ordinary compiled classes in a
// process that has emitted no type yet (see "state" below).
//
//   order-normal    five normal objects allocated 1..5, dead in one forced
//                   gen0 collection, are finalized 5 4 3 2 1
//   order-mixed     N1 C2 N3 C4 N5 C6 N7 C8 (N normal, C critical) are
//                   finalized N7 N5 N3 N1 C4 C6 C2 C8
//   eager           finalizers run right after the collection, on the
//                   finalizer thread, without WaitForPendingFinalizers
//   plug-mates      the runner's address order after a collection names
//                   the object allocated right after a pinned one as its
//                   neighbour, and not one separated by a dead object
// Before each experiment: gen2 collections and then one gen0 collection
// with a drain.  Without that last one, CoreCLR finalizes the five objects
// 4 3 2 1 5 (and the mixed ones N5 N3 N1 N7 C6 C2 C8 C4) in a process that
// has written to the console: the runtime's own finalizable objects,
// re-registered after a gen2 collection, rotate the queue (docs/clr.md).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ConstrainedExecution;
using System.Threading;

namespace GcpClr
{
    static class FactLog
    {
        public static int N;
        public static readonly int[] Log = new int[256];
        public static void Add(int id) { int p = Interlocked.Increment(ref N) - 1; if (p < Log.Length) Log[p] = id; }
        public static int[] Take() { var r = new int[Math.Min(N, Log.Length)]; Array.Copy(Log, r, r.Length); N = 0; return r; }
    }

    sealed class FactNormal { public readonly int Id; public FactNormal(int id) { Id = id; } ~FactNormal() { FactLog.Add(Id); } }
    sealed class FactCritical : CriticalFinalizerObject { public readonly int Id; public FactCritical(int id) { Id = id; } ~FactCritical() { FactLog.Add(Id); } }

    public static class Facts
    {
        static readonly object[] Slots = new object[64];

        static void Quiesce()
        {
            for (int k = 0; k < 3; k++)
            {
                GC.Collect(2, GCCollectionMode.Forced, true, true);
                GC.WaitForPendingFinalizers();
            }
            // a gen2 collection has the runtime's own finalizable objects
            // (GC callbacks such as ArrayPool trimming) finalized and
            // re-registered; one more gen0 collection settles them, else they
            // rotate the f-reachable queue of the next collection
            GC.Collect(0, GCCollectionMode.Forced, true, true);
            GC.WaitForPendingFinalizers();
            FactLog.Take();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void Alloc(int i, bool critical) => Slots[i] = critical ? new FactCritical(i) : new FactNormal(i);

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void DropAll() => Array.Clear(Slots);

        // ids 1..n; critical[i] says which are critical; one forced gen0 GC.
        static int[] Order(bool[] critical)
        {
            Quiesce();
            for (int i = 1; i < critical.Length; i++) Alloc(i, critical[i]);
            DropAll();
            GC.Collect(0, GCCollectionMode.Forced, true, true);
            GC.WaitForPendingFinalizers();
            return FactLog.Take();
        }

        static bool Check(string name, int[] got, int[] want, Func<int, string> label)
        {
            bool ok = got.AsSpan().SequenceEqual(want);
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {name}: finalized {string.Join(" ", Array.ConvertAll(got, i => label(i)))}" +
                              (ok ? "" : $", the fact says {string.Join(" ", Array.ConvertAll(want, i => label(i)))}"));
            return ok;
        }

        public static int Run(int runs)
        {
            int failed = 0;
            for (int r = 0; r < runs; r++)
            {
                Console.WriteLine($"run {r + 1}");
                var normal = new bool[6];
                if (!Check("order-normal", Order(normal), new[] { 5, 4, 3, 2, 1 }, i => "n" + i)) failed++;
                var mixed = new bool[9];
                for (int i = 2; i <= 8; i += 2) mixed[i] = true;
                if (!Check("order-mixed", Order(mixed), new[] { 7, 5, 3, 1, 4, 6, 2, 8 }, i => (mixed[i] ? "C" : "N") + i)) failed++;
                if (!Eager()) failed++;
                if (!PlugMates()) failed++;   // last: it emits types
            }
            Console.WriteLine(failed == 0 ? $"gcp-clr facts: all passed ({runs} runs)" : $"gcp-clr facts: {failed} failed");
            return failed == 0 ? 0 : 1;
        }

        // The address order the runner reports after a collection
        // (`pin`/`mate` lines, docs/clr.md): y, allocated right after the
        // pinned x, is reported next to it with no gap and kept in gen0;
        // z, separated from them by a dead array, is not reported and is
        // promoted.
        const string PlugMateProgram = "type Node size=24\ntype Blob array elem=1\nx = new Node\ny = new Node\n" +
            "g = new Blob[1000]\nz = new Node\ndrop g\np = handle pinned x\ncollect 0\nexpect gen y 0\nexpect gen z 1\n";

        static bool PlugMates()
        {
            var r = Engine.Run(Parser.Parse("plug-mates", PlugMateProgram));
            string got = string.Join(" ", r.Mates.ConvertAll(m => m.Pinned == 0 ? $"pin {m.Id} {m.Gen}" : $"mate {m.Id} {m.Gen} {m.Pinned} {m.Gap}"));
            const string want = "pin 1 0 mate 2 0 1 0";
            bool ok = got == want && r.Error == null;
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} plug-mates: after the collection [{got}]" +
                              (ok ? "" : $", the fact says [{want}]{(r.Error != null ? ": " + r.Error : "")}"));
            return ok;
        }

        // Twenty normal objects die in one gen0 collection; without any
        // WaitForPendingFinalizers, every finalizer must run within 10 s.
        static bool Eager()
        {
            Quiesce();
            const int n = 20;
            for (int i = 1; i <= n; i++) Alloc(i, false);
            DropAll();
            GC.Collect(0, GCCollectionMode.Forced, true, true);
            int atReturn = Volatile.Read(ref FactLog.N);
            var sw = Stopwatch.StartNew();
            while (Volatile.Read(ref FactLog.N) < n && sw.ElapsedMilliseconds < 10000) Thread.Sleep(1);
            int seen = Volatile.Read(ref FactLog.N);
            GC.WaitForPendingFinalizers();
            FactLog.Take();
            bool ok = seen == n;
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} eager: {seen} of {n} finalizers ran without WaitForPendingFinalizers " +
                              $"({atReturn} already when GC.Collect returned, all within {sw.ElapsedMilliseconds} ms)");
            return ok;
        }
    }
}
