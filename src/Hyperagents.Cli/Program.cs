using Hyperagents.Cli;

return await CliApp.RunAsync(args);
