using OrleansGateway.Contracts.Scheduling;

namespace OrleansGateway.Grains.Snapshots;

/// <summary>When the snapshot grains run (<c>fallback_cp.cron_spec</c>) and how their durable wake-up is set.</summary>
public sealed record SnapshotSchedule(CronSchedule Schedule)
{
    /// <summary>The shortest reminder period the silo allows (ReminderOptions.MinimumReminderPeriod is set to it).</summary>
    public static readonly TimeSpan MinimumReminderPeriod = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The reminder's period: the schedule's interval clamped to 10 s–1 min. It only has to bring the grain back
    /// after its silo died; the timer keeps the exact schedule while the grain is active.
    /// </summary>
    public TimeSpan ReminderPeriod =>
        TimeSpan.FromTicks(Math.Clamp((Schedule.Interval ?? TimeSpan.FromMinutes(1)).Ticks, MinimumReminderPeriod.Ticks, TimeSpan.FromMinutes(1).Ticks));
}
