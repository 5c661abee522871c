using Hyperagents.Cli;
using Hyperagents.Hosting;

// A native worker (started by NativeRunner, one per agent call) skips the command line, console and logging set-up: it
// speaks the worker protocol on stdin/stdout only, and its start-up is on the path of every native call.
if (args is ["worker", .. var rest])
{
    return await WorkerHost.RunAsync(rest);
}

return await CliApp.RunAsync(args);
