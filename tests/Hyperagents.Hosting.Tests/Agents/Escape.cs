using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Hyperagents;

// What agent code would try against the operating system once past the capability gate (the test compiler has no gate).
// The task id names the attempt; parameters carry paths and ports; the answer reports what happened, one "key=value" a line.
public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        var p = context.Task.Parameters;
        return context.Task.Id switch
        {
            "files" => Files(p["paths"].Split('|')),
            "write" => Write(p["paths"].Split('|')),
            "disk" => Disk(long.Parse(p["cap"])),
            "descriptors" => Descriptors(int.Parse(p["cap"])),
            "tasks" => Tasks(int.Parse(p["cap"])),
            "native-memory" => NativeMemory(long.Parse(p["cap"])),
            "network" => await NetworkAsync(int.Parse(p["port"])),
            "syscalls" => Syscalls(),
            "orphan" => await OrphanAsync(context, p["name"]),
            _ => "unknown probe " + context.Task.Id,
        };
    }

    private static string Files(string[] paths) => string.Join("\n", paths.Select(path =>
    {
        try
        {
            if (Directory.Exists(path))
            {
                return path + "=listed " + Directory.GetFileSystemEntries(path).Length;
            }

            return path + "=read " + File.ReadAllBytes(path).Length;
        }
        catch (Exception ex)
        {
            return path + "=" + ex.GetType().Name;
        }
    }));

    private static string Write(string[] paths) => string.Join("\n", paths.Select(path =>
    {
        try
        {
            File.WriteAllText(path, "written by agent code");
            return path + "=written";
        }
        catch (Exception ex)
        {
            return path + "=" + ex.GetType().Name;
        }
    }));

    // Many 1 MiB files, so the per-file size limit is not what stops it.
    private static string Disk(long cap)
    {
        var chunk = new byte[1024 * 1024];
        long written = 0;
        var folder = Path.Combine(Path.GetTempPath(), "fill");
        Directory.CreateDirectory(folder);
        try
        {
            for (var i = 0; written < cap; i++)
            {
                using var file = File.Create(Path.Combine(folder, i + ".bin"));
                file.Write(chunk);
                file.Flush();
                written += chunk.Length;
            }

            return "written=" + written + "\nstopped=no";
        }
        catch (IOException ex)
        {
            return "written=" + written + "\nstopped=" + ex.GetType().Name;
        }
    }

    private static string Descriptors(int cap)
    {
        var open = new List<FileStream>();
        try
        {
            while (open.Count < cap)
            {
                open.Add(new FileStream("/dev/null", FileMode.Open, FileAccess.Read));
            }

            return "opened=" + open.Count + "\nstopped=no";
        }
        catch (Exception ex)
        {
            return "opened=" + open.Count + "\nstopped=" + ex.GetType().Name;
        }
        finally
        {
            open.ForEach(f => f.Dispose());
        }
    }

    // A thread bomb (threads count as tasks, like processes): start parked threads until the system refuses.
    private static string Tasks(int cap)
    {
        var release = new ManualResetEventSlim();
        var started = 0;
        try
        {
            while (started < cap)
            {
                new Thread(() => release.Wait(), 64 * 1024) { IsBackground = true }.Start();
                started++;
            }

            return "started=" + started + "\nstopped=no";
        }
        catch (Exception ex)
        {
            return "started=" + started + "\nstopped=" + ex.GetType().Name;
        }
        finally
        {
            release.Set();
        }
    }

    // Native memory, out of the GC heap limit's reach; every page touched so it is really used.
    private static string NativeMemory(long cap)
    {
        const int Block = 16 * 1024 * 1024;
        long total = 0;
        var page = new byte[4096];
        Array.Fill(page, (byte)1);
        while (total < cap)
        {
            var block = Marshal.AllocHGlobal(Block);
            for (var offset = 0; offset < Block; offset += page.Length)
            {
                Marshal.Copy(page, 0, block + offset, page.Length);
            }

            total += Block;
        }

        return "allocated=" + total;
    }

    private static async Task<string> NetworkAsync(int port)
    {
        var rows = new List<string>();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            rows.Add("socket=created");
            await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(20));
            rows.Add("loopback=connected");
        }
        catch (SocketException ex)
        {
            rows.Add("error=" + ex.SocketErrorCode);
        }
        catch (TimeoutException)
        {
            rows.Add("error=timeout");
        }

        try
        {
            await Dns.GetHostAddressesAsync("example.com").WaitAsync(TimeSpan.FromSeconds(20));
            rows.Add("dns=resolved");
        }
        catch (Exception ex)
        {
            rows.Add("dns=" + ex.GetType().Name);
        }

        return string.Join("\n", rows);
    }

    // Calls the filter denies, made directly; each reports the errno (0 = it went through).
    private static string Syscalls()
    {
        var rows = new List<string>();
        void Try(string name, long number, nint a = 0, nint b = 0, nint c = 0)
        {
            var result = syscall(number, a, b, c);
            rows.Add(name + "=" + (result < 0 ? "errno " + Marshal.GetLastPInvokeError() : "ok"));
        }

        Try("ptrace", 101, 16 /* PTRACE_ATTACH */, 1);
        Try("personality", 135, unchecked((nint)0xffffffff));
        Try("keyctl", 250, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session keyring */);
        Try("bpf", 321, 0, 0, 0);
        Try("perf_event_open", 298);
        Try("userfaultfd", 323);
        Try("unshare", 272, 0x10000000 /* CLONE_NEWUSER */);
        Try("mount", 165);
        Try("socket(AF_UNIX)", 41, 1, 1);
        Try("io_uring_setup", 425, 1);
        return string.Join("\n", rows);
    }

    // A double fork: the grandchild is orphaned (its parent exits), renames itself, says so on a pipe and waits
    // forever; this call logs once the grandchild is named (so the host can look for it), then loops.
    private static async Task<string> OrphanAsync(TaskContext context, string name)
    {
        var label = Marshal.StringToHGlobalAnsi(name);
        var pipe = Marshal.AllocHGlobal(8);
        syscall(22 /* pipe */, pipe, 0, 0);
        int readEnd = Marshal.ReadInt32(pipe), writeEnd = Marshal.ReadInt32(pipe, 4);
        syscall(39 /* getpid: warms the stub before fork */, 0, 0, 0);
        var child = syscall(57 /* fork */, 0, 0, 0);
        if (child == 0)
        {
            if (syscall(57, 0, 0, 0) == 0)
            {
                syscall(112 /* setsid */, 0, 0, 0);
                syscall(157 /* prctl */, 15 /* PR_SET_NAME */, label, 0);
                syscall(1 /* write */, writeEnd, label, 1);
                while (true)
                {
                    syscall(34 /* pause */, 0, 0, 0);
                }
            }

            syscall(231 /* exit_group */, 0, 0, 0);
        }

        var named = syscall(0 /* read */, readEnd, pipe, 1);
        await context.Log.InfoAsync("forked " + child + (named == 1 ? "" : " (the grandchild did not say it was named)"));
        while (true)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, nint a, nint b, nint c);
}
