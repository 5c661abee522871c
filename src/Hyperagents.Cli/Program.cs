using Hyperagents.Cli;
using Hyperagents.Compiler;
using Hyperagents.Hosting;

// Worker processes skip the command line, console, signal and logging set-up: they speak a binary protocol on
// stdin/stdout only, and a native worker's start-up is on the path of every native call (one worker per call).
// 'worker' is a native agent worker started by NativeRunner; 'worker compile' a compile worker started by an
// AgentCompiler with AgentCompilerOptions.Worker; 'worker evaluate' a domain package's evaluator worker started by an
// EvaluatorWorker. None is for humans.
return args switch
{
    ["worker", "compile"] => await CompileWorkerHost.RunAsync(CancellationToken.None),
    ["worker", "evaluate"] => await EvaluatorWorkerHost.RunAsync(),
    ["worker", .. var rest] => await WorkerHost.RunAsync(rest),
    _ => await CliApp.RunAsync(args),
};
