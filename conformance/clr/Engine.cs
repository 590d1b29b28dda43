// Engine.cs -- runs one parsed .gcp program on CoreCLR and observes it.
//
// Translation (README.md in this folder):
//   locals          slots of an object[] (a dropped local is nulled)
//   statics         Engine.Statics, an object[64] in a static field
//   fixed types     emitted classes (Types.cs); arrays: byte[] / object[]
//   handles         GCHandle Normal / Weak / WeakTrackResurrection, and
//                   PinnedGCHandle<object> for pinned (GCHandle refuses to
//                   pin objects that hold references)
//   finalizers      Finalize overrides calling OnFinalize (critical types
//                   derive from CriticalFinalizerObject)
//   collect G       GC.Collect(G, Forced, blocking, compacting); with
//                   compact_loh after LargeObjectHeapCompactionMode = CompactOnce
//   finalize        GC.WaitForPendingFinalizers until no collection happened
//                   during the wait; `collect` waits the same way after the
//                   collection, so no statement runs while finalizers do
//                   (CoreCLR runs them right after the collection anyway)
// Every statement runs in its own non-inlined call, so no frame of the
// runner holds a reference to a program object across a collection.  The
// runner's own state is allocated before the program starts and is aged
// into generation 2 by the collections that reset the state, so the only
// allocations while a program runs are the program's own (and one
// GCMemoryInfo per pinned_count read of a collection not read before).
using System;
using System.Collections.Generic;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace GcpClr
{
    // One expectation's outcome.  Values are numbers while the program runs
    // (no allocation then); Observed/Expected are their words, filled after.
    public sealed class Obs
    {
        public Stmt S;
        public bool Done;             // the statement was reached
        public long ObservedValue, ExpectedValue;
        public string Observed;       // null when not observable
        public string Expected;       // the program's value, same vocabulary
        public string NotObservable;  // reason
        public static string Word(K k, long v) => k switch
        {
            K.ExLoh or K.ExSoh => v == 1 ? "loh" : "soh",
            K.ExNull => v == 1 ? "null" : "object",
            K.ExTarget => v == 0 ? "null" : v == 1 ? "same" : "other",
            K.ExOom => v == 1 ? "oom" : "object",
            _ => v.ToString(System.Globalization.CultureInfo.InvariantCulture)
        };
    }

    public sealed class FinRecord
    {
        public Stmt S;
        public bool Done;
        public int Start, End;        // slice of the call log
        public int[] Ids;             // program-relative ids, in call order
    }

    public sealed class GcRecord
    {
        public Stmt S;
        public int Gen;               // generation of the collection GC.Collect ran
    }

    // An unpinned live object next to a pinned one in address order right
    // after a collection (among the program's live objects: only dead
    // objects or free space lie between them).  Gap: the bytes between
    // the lower one's end and the higher one's start (0: one plug).
    public struct MateRecord
    {
        public int Line, Id, Gen, Pinned;
        public long Gap;
    }

    public sealed class RunResult
    {
        public List<GcRecord> Gcs = new();
        public List<MateRecord> Mates = new();
        public List<Obs> Obs = new();
        public List<FinRecord> Fin = new();
        public string Error;          // program error or stop, with position
        public bool ProgramError;
        public List<string> Notes = new();
        public int[] LocalIds;        // per local: the object it names (or named) at the end
        public string Signature()
        {
            var sb = new System.Text.StringBuilder();
            foreach (var o in Obs) sb.Append(o.S.Line).Append(' ').Append(o.Observed ?? "-").Append(';');
            foreach (var f in Fin) sb.Append('f').Append(f.S.Line).Append(':').Append(string.Join(",", f.Ids)).Append(';');
            foreach (var g in Gcs) sb.Append('g').Append(g.S.Line).Append(':').Append(g.Gen).Append(';');
            foreach (var m in Mates) sb.Append('m').Append(m.Line).Append(':').Append(m.Id).Append(',').Append(m.Gen)
                .Append(',').Append(m.Pinned).Append(',').Append(m.Gap).Append(';');
            sb.Append(Error);
            return sb.ToString();
        }
    }

    struct HSlot
    {
        public int State;   // 0 unbound, 1 live, 2 freed
        public HKind Kind;
        public GCHandle G;
        public PinnedGCHandle<object> Pn;
    }

    struct Beh
    {
        public FinKind Kind;
        public int Static;
        public int AllocType;   // program type index
    }

    sealed class StopProgram : Exception
    {
        public bool ProgramError;
        public StopProgram(string m, bool programError) : base(m) { ProgramError = programError; }
    }

    public static class Engine
    {
        public const long MaxArrayBytes = 1L << 30;

        public static readonly object[] Statics = new object[64];
        static Program P;
        static object[] L = new object[16];
        static int[] LId = new int[16];
        static byte[] LState = new byte[16];     // 0 unbound, 1 bound, 2 dropped
        static HSlot[] H = new HSlot[16];
        static readonly List<HSlot> Stale = new();   // handles rebound while live
        static ClassInfo[] TypeClass = new ClassInfo[0];
        static Beh[] Behaviour = new Beh[64];
        static int[] FinCount = new int[1 << 16];
        static long[] BirthGc = new long[1 << 16];
        // per object: a WeakTrackResurrection handle (not a heap allocation)
        // naming it while the collections mark it, for the address order
        static GCHandle[] Track = new GCHandle[1 << 16];
        static int TrackMax;
        static nint[] AddrBuf = new nint[1 << 16];
        static int[] AddrId = new int[1 << 16];
        static bool[] PinnedNow = new bool[1 << 16];
        static MateRecord[] MateLog = new MateRecord[1 << 14];
        static int MateLen;
        static bool MateLost;
        static int[] FinLog = new int[1 << 16];
        static int FinLogLen;
        static int FinLogMark;
        static int NextId;
        static volatile int BaseId;
        static volatile bool Active;
        static readonly long[] BaseCount = new long[3];
        static readonly long[] PinBaseline = new long[3];
        static long LastDrainGc;
        static long PinIndexCount;     // total GC count when the cache was read
        static long PinRaw;
        static int PinGen;
        static long StartGc;
        static bool LastOom;
        static bool SawThread;
        static RunResult Result;
        static int ObsNext, FinNext, GcNext;

        static long TotalGcs() => GC.CollectionCount(0);

        // ---- finalizers (finalizer thread) ------------------------------
        public static void OnFinalize(object o, int serial)
        {
            int rel = ((IGObj)o).Id - BaseId;
            if (!Active || rel <= 0) return;        // an object of an earlier program
            if (rel < FinCount.Length) Interlocked.Increment(ref FinCount[rel]);
            int pos = Interlocked.Increment(ref FinLogLen) - 1;
            if (pos < FinLog.Length) FinLog[pos] = rel;
            Beh b = Behaviour[serial];
            switch (b.Kind)
            {
                case FinKind.Resurrect: Statics[b.Static] = o; break;
                case FinKind.Reregister: GC.ReRegisterForFinalize(o); break;
                case FinKind.ResurrectReregister: Statics[b.Static] = o; GC.ReRegisterForFinalize(o); break;
                case FinKind.Alloc: AllocDropped(b.AllocType); break;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void AllocDropped(int type)
        {
            var t = P.Types[type];
            object o = t.Kind switch
            {
                TypeKind.ByteArray => new byte[0],
                TypeKind.RefArray => new object[0],
                _ => TypeClass[type]?.Create()
            };
            int id = Interlocked.Increment(ref NextId);
            if (o is IGObj g) g.Id = id;
        }

        // ---- preparation and fresh state --------------------------------
        static void Prepare(Program p)
        {
            P = p;
            int nl = Math.Max(1, p.Locals.Count), nh = Math.Max(1, p.Handles.Count);
            if (L.Length < nl) { L = new object[nl]; LId = new int[nl]; LState = new byte[nl]; }
            if (H.Length < nh) H = new HSlot[nh];
            Array.Clear(L); Array.Clear(LId); Array.Clear(LState);
            for (int i = 0; i < H.Length; i++) H[i] = default;
            int news = 0;
            foreach (var s in p.Stmts) if (s.Kind == K.New) news++;
            int need = news * 4 + 65536;
            if (FinCount.Length < need) { FinCount = new int[need]; BirthGc = new long[need]; FinLog = new int[need]; }
            if (Track.Length < need)
            {
                Track = new GCHandle[need]; AddrBuf = new nint[need]; AddrId = new int[need]; PinnedNow = new bool[need];
            }
            Array.Clear(FinCount); Array.Clear(BirthGc); Array.Clear(FinLog);
            MateLen = 0; MateLost = false; TrackMax = 0;
            FinLogLen = 0; FinLogMark = 0;
            TypeClass = new ClassInfo[p.Types.Count];
            var variants = new Dictionary<(long, int, bool, bool), int>();
            for (int i = 0; i < p.Types.Count; i++)
            {
                var t = p.Types[i];
                if (t.Kind != TypeKind.Fixed || t.Size > TypeFactory.MaxFixed) continue;
                var vk = (t.Size, t.Refs, t.Fin != FinKind.None, t.Critical);
                variants.TryGetValue(vk, out int v);
                variants[vk] = v + 1;
                var ci = TypeFactory.Get(t, v);
                TypeClass[i] = ci;
                if (Behaviour.Length <= ci.Serial) Array.Resize(ref Behaviour, ci.Serial * 2 + 2);
                Behaviour[ci.Serial] = new Beh { Kind = t.Fin, Static = t.FinStatic, AllocType = t.FinAlloc };
                long want = (Math.Max(24, t.Size) + 7) & ~7L;
                if (ci.ActualSize != want)
                    Result.Notes.Add($"type {t.Name}: {ci.ActualSize} bytes on CoreCLR (the program says {t.Size})");
            }
            foreach (var s in p.Stmts)
            {
                if (s.IsExpect) Result.Obs.Add(new Obs { S = s });
                else if (s.Kind == K.Finalize) Result.Fin.Add(new FinRecord { S = s });
                else if (s.Kind == K.Collect) Result.Gcs.Add(new GcRecord { S = s });
            }
            ObsNext = 0;
            FinNext = 0;
            GcNext = 0;
        }

        // Nothing of an earlier program is left: its handles are freed, its
        // statics cleared, its finalizers (which do nothing once the program
        // is over) have run and its objects are gone.
        public static void Reset()
        {
            Active = false;
            for (int i = 0; i < H.Length; i++) FreeSlot(ref H[i]);
            for (int i = 0; i < Stale.Count; i++) { var s = Stale[i]; FreeSlot(ref s); }
            Stale.Clear();
            for (int i = 0; i <= TrackMax && i < Track.Length; i++)
                if (Track[i].IsAllocated) Track[i].Free();
            TrackMax = 0;
            Array.Clear(Statics);
            Array.Clear(L);
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.Default;
            for (int k = 0; k < 3; k++)
            {
                GC.Collect(2, GCCollectionMode.Forced, true, true);
                GC.WaitForPendingFinalizers();
            }
        }

        static void FreeSlot(ref HSlot s)
        {
            if (s.State == 1)
            {
                if (s.Kind == HKind.Pinned) s.Pn.Dispose(); else s.G.Free();
            }
            s = default;
        }

        static long PinnedRawNow(out int gen)
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            gen = info.Generation;
            return info.PinnedObjectsCount;
        }

        public static RunResult Run(Program p)
        {
            Result = new RunResult();
            Reset();
            Prepare(p);
            // the pinned objects of the runtime's own, per condemned generation
            for (int g = 0; g < 3; g++)
            {
                GC.Collect(g, GCCollectionMode.Forced, true, true);
                PinBaseline[g] = PinnedRawNow(out _);
            }
            GC.Collect(2, GCCollectionMode.Forced, true, true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, true, true);
            GC.WaitForPendingFinalizers();
            // the runtime's own finalizable objects (GC callbacks such as
            // ArrayPool trimming) are finalized and re-registered after a gen2
            // collection; one gen0 collection settles them, else they rotate
            // the f-reachable queue of the program's first collection
            GC.Collect(0, GCCollectionMode.Forced, true, true);
            GC.WaitForPendingFinalizers();
            for (int g = 0; g < 3; g++) BaseCount[g] = GC.CollectionCount(g);
            StartGc = TotalGcs();
            LastDrainGc = StartGc;
            PinIndexCount = -1;
            LastOom = false;
            SawThread = false;
            BaseId = NextId;
            Active = true;
            try
            {
                for (int i = 0; i < p.Stmts.Count; i++) Step(p.Stmts[i]);
            }
            catch (StopProgram e)
            {
                Result.Error = e.Message;
                Result.ProgramError = e.ProgramError;
            }
            Active = false;
            Result.Obs.RemoveRange(ObsNext, Result.Obs.Count - ObsNext);
            Result.Fin.RemoveRange(FinNext, Result.Fin.Count - FinNext);
            Result.Gcs.RemoveRange(GcNext, Result.Gcs.Count - GcNext);
            foreach (var o in Result.Obs)
            {
                o.Expected = Obs.Word(o.S.Kind, o.ExpectedValue);
                if (o.NotObservable == null) o.Observed = Obs.Word(o.S.Kind, o.ObservedValue);
            }
            foreach (var f in Result.Fin)
            {
                f.Ids = new int[f.End - f.Start];
                Array.Copy(FinLog, f.Start, f.Ids, 0, f.Ids.Length);
            }
            if (MateLost) Result.Notes.Add("address order: more plug-mate records than the runner keeps; some are missing");
            for (int i = 0; i < MateLen; i++) Result.Mates.Add(MateLog[i]);
            // per collection by object, not by address: the order of heap
            // regions differs between runs
            Result.Mates.Sort((x, y) => x.Line != y.Line ? x.Line.CompareTo(y.Line)
                : x.Id != y.Id ? x.Id.CompareTo(y.Id) : x.Pinned.CompareTo(y.Pinned));
            Result.LocalIds = new int[p.Locals.Count];
            Array.Copy(LId, Result.LocalIds, p.Locals.Count);
            if (SawThread) Result.Notes.Add("thread statements: every allocation runs on one thread (allocation contexts are not translated)");
            Reset();
            return Result;
        }

        // ---- statements ---------------------------------------------------
        static StopProgram PErr(Stmt s, string m) => new StopProgram($"{P.File}:{s.Line}:{s.Col}: {m}", true);

        static void NeedBound(Stmt s, int l)
        {
            if (LState[l] == 0) throw PErr(s, $"local '{P.Locals[l]}' is unbound");
            if (LState[l] == 2) throw PErr(s, $"local '{P.Locals[l]}' was dropped");
        }

        static object NeedObj(Stmt s, int l)
        {
            NeedBound(s, l);
            object o = L[l];
            if (o == null) throw PErr(s, $"local '{P.Locals[l]}' is null");
            return o;
        }

        static void Bind(int l, object o, int id)
        {
            L[l] = o;
            LId[l] = o == null ? 0 : id;
            LState[l] = 1;
        }

        static int IdOf(object o) => o is IGObj g ? g.Id - BaseId : -1;

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void Step(Stmt s)
        {
            switch (s.Kind)
            {
                case K.New: New(s); break;
                case K.Store:
                    {
                        object o = NeedObj(s, s.A);
                        object v = null;
                        if (s.B >= 0) { NeedBound(s, s.B); v = L[s.B]; }
                        SetSlot(s, o, s.N, v);
                        break;
                    }
                case K.Load:
                    {
                        object o = NeedObj(s, s.B);
                        object v = GetSlot(s, o, s.N);
                        Bind(s.A, v, IdOf(v));
                        break;
                    }
                case K.Copy:
                    NeedBound(s, s.B);
                    L[s.A] = L[s.B]; LId[s.A] = LId[s.B]; LState[s.A] = 1;
                    break;
                case K.Drop:
                    NeedBound(s, s.A);
                    L[s.A] = null; LState[s.A] = 2;
                    break;
                case K.Handle:
                    {
                        object o = NeedObj(s, s.B);
                        ref HSlot h = ref H[s.A];
                        if (h.State == 1) Stale.Add(h);
                        h = default;
                        h.Kind = (HKind)s.N;
                        if (h.Kind == HKind.Pinned) h.Pn = new PinnedGCHandle<object>(o);
                        else h.G = GCHandle.Alloc(o, h.Kind switch
                        {
                            HKind.Strong => GCHandleType.Normal,
                            HKind.Weak => GCHandleType.Weak,
                            _ => GCHandleType.WeakTrackResurrection
                        });
                        h.State = 1;
                        break;
                    }
                case K.Free:
                    {
                        ref HSlot h = ref H[s.A];
                        if (h.State != 1) throw PErr(s, $"handle '{P.Handles[s.A]}' is {(h.State == 2 ? "freed" : "unbound")}");
                        FreeSlot(ref h);
                        h.State = 2;
                        break;
                    }
                case K.Target:
                    {
                        object o = HandleTarget(s, s.B);
                        Bind(s.A, o, IdOf(o));
                        break;
                    }
                case K.StaticSet:
                    if (s.B >= 0) { NeedBound(s, s.B); Statics[s.N] = L[s.B]; }
                    else Statics[s.N] = null;
                    break;
                case K.StaticGet:
                    {
                        object o = Statics[s.N];
                        Bind(s.A, o, IdOf(o));
                        break;
                    }
                case K.Suppress: GC.SuppressFinalize(NeedObj(s, s.A)); break;
                case K.Reregister: GC.ReRegisterForFinalize(NeedObj(s, s.A)); break;
                case K.Collect: Collect(s); break;
                case K.Finalize: Drain(s); break;
                case K.Thread: SawThread = true; break;
                default: Expect(s); break;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void New(Stmt s)
        {
            var t = P.Types[s.C];
            long size = t.InstanceSize(s.N);
            if ((t.Kind == TypeKind.Fixed && t.Size > TypeFactory.MaxFixed) || size > MaxArrayBytes)
                throw new StopProgram($"{P.File}:{s.Line}:{s.Col}: the program stops here on CoreCLR: an object of {size} bytes is beyond what the runner allocates", false);
            object o;
            try
            {
                o = t.Kind switch
                {
                    TypeKind.ByteArray => new byte[s.N],
                    TypeKind.RefArray => new object[s.N],
                    _ => TypeClass[s.C].Create()
                };
                LastOom = false;
            }
            catch (OutOfMemoryException)
            {
                o = null;
                LastOom = true;
            }
            int id = 0;
            if (o != null)
            {
                id = Interlocked.Increment(ref NextId);
                if (o is IGObj g) g.Id = id;
                id -= BaseId;
                if (id < BirthGc.Length) BirthGc[id] = TotalGcs();
                if (id < Track.Length)
                {
                    Track[id] = GCHandle.Alloc(o, GCHandleType.WeakTrackResurrection);
                    if (id > TrackMax) TrackMax = id;
                }
            }
            Bind(s.A, o, id);
        }

        static void SetSlot(Stmt s, object o, long slot, object v)
        {
            if (o is object[] a)
            {
                if ((ulong)slot >= (ulong)a.Length) throw PErr(s, $"slot {slot} outside the array's {a.Length} elements");
                a[slot] = v;
            }
            else if (o is IGObj g && o.GetType() is var ty && SlotsOf(o) > slot) g.SetSlot((int)slot, v);
            else throw PErr(s, $"slot {slot} does not exist on this object");
        }

        static object GetSlot(Stmt s, object o, long slot)
        {
            if (o is object[] a)
            {
                if ((ulong)slot >= (ulong)a.Length) throw PErr(s, $"slot {slot} outside the array's {a.Length} elements");
                return a[slot];
            }
            if (o is IGObj g && SlotsOf(o) > slot) return g.GetSlot((int)slot);
            throw PErr(s, $"slot {slot} does not exist on this object");
        }

        static int SlotsOf(object o)
        {
            var ty = o.GetType();
            foreach (var ci in TypeClass)
                if (ci != null && ci.Type == ty) return ci.Refs;
            return 0;
        }

        static object HandleTarget(Stmt s, int h)
        {
            ref HSlot hs = ref H[h];
            if (hs.State != 1) throw PErr(s, $"handle '{P.Handles[h]}' is {(hs.State == 2 ? "freed" : "unbound")}");
            return hs.Kind == HKind.Pinned ? hs.Pn.Target : hs.G.Target;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void Collect(Stmt s)
        {
            if (s.Flag) GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect((int)s.N, GCCollectionMode.Forced, true, true);
            RecordMates(s);
            ReadPinned();
            Result.Gcs[GcNext++].Gen = PinGen;   // CoreCLR may escalate an induced collection
            // CoreCLR starts the finalizers right after the collection; the
            // runner lets them finish before the next statement, so no
            // statement races with the finalizer thread (the program's own
            // finalizers, and the runtime's, which re-register themselves)
            WaitFinalizers();
        }

        // The address order of the program's live objects right after a
        // collection: the objects its handles name (the collection cleared
        // the handles of unmarked objects; an object of a generation it did
        // not condemn stays), read before anything allocates (finalizer
        // threads may allocate, which moves nothing) and checked against
        // the collection count.  Each unpinned object next to a pinned one
        // is recorded with its generation.  No heap allocation.
        [MethodImpl(MethodImplOptions.NoInlining)]
        static void RecordMates(Stmt s)
        {
            long gc0 = TotalGcs();
            Array.Clear(PinnedNow, 0, Math.Min(PinnedNow.Length, TrackMax + 1));
            for (int i = 0; i < H.Length; i++) MarkPinned(ref H[i]);
            for (int i = 0; i < Stale.Count; i++) { var h = Stale[i]; MarkPinned(ref h); }
            int n = 0;
            for (int id = 1; id <= TrackMax; id++)
            {
                if (!Track[id].IsAllocated) continue;
                object o = Track[id].Target;
                if (o == null) continue;
                nint a = Unsafe.As<object, nint>(ref o);
                // insertion into the address-sorted prefix
                int k = n++;
                while (k > 0 && AddrBuf[k - 1] > a) { AddrBuf[k] = AddrBuf[k - 1]; AddrId[k] = AddrId[k - 1]; k--; }
                AddrBuf[k] = a;
                AddrId[k] = id;
            }
            for (int k = 0; k < n; k++)
            {
                int id = AddrId[k];
                if (PinnedNow[id])
                {
                    // the pinned object's own generation (Pinned = 0); in
                    // gen2 it is never younger than the oracle holds it
                    int pg = GC.GetGeneration(Track[id].Target);
                    if (pg >= 2) continue;
                    if (MateLen == MateLog.Length) { MateLost = true; continue; }
                    MateLog[MateLen++] = new MateRecord { Line = s.Line, Id = id, Gen = pg };
                    continue;
                }
                if (k > 0 && PinnedNow[AddrId[k - 1]]) AddMate(s, k, AddrId[k - 1], AddrBuf[k - 1], AddrBuf[k]);
                else if (k + 1 < n && PinnedNow[AddrId[k + 1]]) AddMate(s, k, AddrId[k + 1], AddrBuf[k], AddrBuf[k + 1]);
            }
            if (TotalGcs() != gc0) MateLost = true;   // objects may have moved while read
        }

        static void MarkPinned(ref HSlot h)
        {
            if (h.State != 1 || h.Kind != HKind.Pinned) return;
            object t = h.Pn.Target;
            if (t == null) return;
            int id = IdOf(t);
            if (id < 0)   // an array carries no id: find its tracking handle
                for (int k = 1; k <= TrackMax && id < 0; k++)
                    if (Track[k].IsAllocated && ReferenceEquals(Track[k].Target, t)) id = k;
            if (id > 0 && id < PinnedNow.Length) PinnedNow[id] = true;
        }

        static void AddMate(Stmt s, int k, int pinned, nint lo, nint hi)
        {
            object lower = Track[lo == AddrBuf[k] ? AddrId[k] : pinned].Target;
            object x = Track[AddrId[k]].Target;
            long gap = (long)(hi - lo) - SizeOf(lower);
            // farther apart: not neighbours in one heap region (CoreCLR's
            // regions are 4 MiB and up; their order is not deterministic)
            if (gap < 0 || gap >= MaxMateGap) return;
            // a gen2 object is never younger than the oracle holds it, and
            // gen2's layout (free-list allocation, the runtime's own objects
            // in between) differs from run to run
            int gen = GC.GetGeneration(x);
            if (gen >= 2) return;
            if (MateLen == MateLog.Length) { MateLost = true; return; }
            MateLog[MateLen++] = new MateRecord
            {
                Line = s.Line, Id = AddrId[k], Gen = gen, Pinned = pinned, Gap = gap
            };
        }

        const long MaxMateGap = 1 << 20;

        static long SizeOf(object o)
        {
            long raw = o switch
            {
                byte[] b => 24 + b.Length,
                object[] a => 24 + 8L * a.Length,
                _ => ClassOf(o)
            };
            return Math.Max(24, (raw + 7) & ~7L);
        }

        static long ClassOf(object o)
        {
            var ty = o.GetType();
            foreach (var ci in TypeClass)
                if (ci != null && ci.Type == ty) return ci.ActualSize;
            return 24;
        }

        static void WaitFinalizers()
        {
            long c;
            do
            {
                c = TotalGcs();
                GC.WaitForPendingFinalizers();
            } while (TotalGcs() != c);
        }

        static void ReadPinned()
        {
            PinRaw = PinnedRawNow(out PinGen);
            PinIndexCount = TotalGcs();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void Drain(Stmt s)
        {
            WaitFinalizers();
            LastDrainGc = TotalGcs();
            int end = Math.Min(Volatile.Read(ref FinLogLen), FinLog.Length);
            var f = Result.Fin[FinNext++];
            f.Start = FinLogMark;
            f.End = end;
            FinLogMark = end;
        }

        // ---- expectations ---------------------------------------------------
        [MethodImpl(MethodImplOptions.NoInlining)]
        static void Expect(Stmt s)
        {
            var o = Result.Obs[ObsNext];
            switch (s.Kind)
            {
                case K.ExGen:
                    o.ObservedValue = GC.GetGeneration(NeedObj(s, s.A));
                    o.ExpectedValue = s.N;
                    break;
                case K.ExLoh:
                case K.ExSoh:
                    {
                        object x = NeedObj(s, s.A);
                        o.ExpectedValue = s.Kind == K.ExLoh ? 1 : 0;
                        int gen = GC.GetGeneration(x);
                        int rel = LId[s.A];
                        if (gen < 2) o.ObservedValue = 0;
                        else if (rel > 0 && rel < BirthGc.Length && TotalGcs() - BirthGc[rel] < 2) o.ObservedValue = 1;
                        else o.NotObservable = NoLoh;
                        break;
                    }
                case K.ExNull:
                    NeedBound(s, s.A);
                    o.ObservedValue = L[s.A] == null ? 1 : 0;
                    o.ExpectedValue = 1;
                    break;
                case K.ExTarget:
                    {
                        object t = HandleTarget(s, s.A);
                        object y = null;
                        if (s.B >= 0) { NeedBound(s, s.B); y = L[s.B]; }
                        o.ExpectedValue = y == null ? 0 : 1;
                        o.ObservedValue = t == null ? 0 : ReferenceEquals(t, y) ? 1 : 2;
                        break;
                    }
                case K.ExFinalized:
                    {
                        if (LState[s.A] == 0) throw PErr(s, $"local '{P.Locals[s.A]}' is unbound");
                        o.ExpectedValue = s.N;
                        if (TotalGcs() != LastDrainGc)
                        {
                            o.NotObservable = NoFinalized;
                            break;
                        }
                        int rel = LId[s.A];
                        o.ObservedValue = rel > 0 && rel < FinCount.Length ? Volatile.Read(ref FinCount[rel]) : 0;
                        break;
                    }
                case K.ExCollections:
                    o.ObservedValue = GC.CollectionCount(s.A) - BaseCount[s.A];
                    o.ExpectedValue = s.N;
                    break;
                case K.ExPinned:
                    {
                        o.ExpectedValue = s.N;
                        long now = TotalGcs();
                        if (now == StartGc) { o.ObservedValue = 0; break; }
                        if (PinIndexCount != now) ReadPinned();
                        o.ObservedValue = PinRaw - PinBaseline[PinGen];
                        break;
                    }
                case K.ExOom:
                    o.ExpectedValue = 1;
                    if (P.HardLimit != 0) o.NotObservable = NoOom;
                    else o.ObservedValue = LastOom ? 1 : 0;
                    break;
            }
            o.Done = true;
            ObsNext++;
        }

        public const string NoLoh = "generation 2 after two or more collections: CoreCLR does not tell a promoted small object from a large one";
        public const string NoFinalized = "a collection since the last finalize: CoreCLR runs finalizers right after it, so the count races with the finalizer thread";
        public const string NoOom = "hard_limit: the runner runs CoreCLR without a hard limit";
    }
}
