// Tests start real worker processes; on a 2-core machine they run one at a time so that deadlines stay meaningful.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
