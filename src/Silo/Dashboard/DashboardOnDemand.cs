using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;
using Orleans.Metadata;
using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// Runs the Orleans dashboard's collection only while the dashboard is in use. The package starts, with the silo (a
/// silo lifecycle stage of its hosted service), a meter provider of its own that reads every Orleans instrument each
/// second and reports them to the silo's dashboard service: measured, most of what an idle silo spends on the
/// dashboard (bench/README.md). Here that lifecycle subscription is taken out; the package's one-time start (its
/// dashboard grain, this silo's versions) stays. The collection starts at the first use — a dashboard request to this
/// silo, or a dashboard read of this silo's statistics from another silo (<see cref="DashboardUseFilter"/>) — through
/// a fresh instance of the package's host given that stage, and stops, disposing it, after
/// <see cref="DashboardConfig.MetricsIdleAfter"/> without use: as the package's own call profiling does (it stops a
/// minute after the last query).
/// </summary>
public sealed partial class DashboardOnDemand(IServiceProvider services, GatewayConfig config, ILogger<DashboardOnDemand> logger)
    : BackgroundService
{
    private const string HostTypeName = "Orleans.Dashboard.DashboardHost";
    private const string ExporterTypeName = "Orleans.Dashboard.Implementation.DashboardTelemetryExporter";
    private const string SiloServiceTypeName = "Orleans.Dashboard.Core.ISiloGrainService";

    /// <summary>The dashboard's per-silo service interface: a read through it is a use (<see cref="DashboardUseFilter"/>).</summary>
    internal static readonly Type SiloServiceInterface = DashboardType(SiloServiceTypeName);

    private static readonly Type HostType = DashboardType(HostTypeName);
    private static readonly Type ExporterType = DashboardType(ExporterTypeName);

    private readonly Lock _gate = new();
    private long _lastUse;
    private IAsyncDisposable? _running;
    private Task _transition = Task.CompletedTask;

    /// <summary>
    /// Adds the dashboard to the silo with its collection started on demand. Fails the start, naming what is missing,
    /// if the package no longer has the parts this relies on (the collection would otherwise run always, or never).
    /// </summary>
    public static void AddTo(ISiloBuilder silo)
    {
        silo.AddDashboard();
        var services = silo.Services;
        if (!typeof(ILifecycleParticipant<ISiloLifecycle>).IsAssignableFrom(HostType) || !typeof(IAsyncDisposable).IsAssignableFrom(HostType))
        {
            throw Outdated($"{HostTypeName} is no longer a silo lifecycle participant");
        }
        // Registered as itself, then as a participant through a factory that resolves it (Orleans' AddFromExisting).
        var participants = services.Where(d => d.ServiceType == typeof(ILifecycleParticipant<ISiloLifecycle>) && !d.IsKeyedService
            && (d.ImplementationType == HostType || Resolves(d.ImplementationFactory, HostType))).ToList();
        if (participants.Count != 1)
        {
            throw Outdated($"found {participants.Count} silo lifecycle registrations of {HostTypeName}, expected 1");
        }
        services.Remove(participants[0]);
        services.AddSingleton<DashboardOnDemand>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardOnDemand>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIncomingGrainCallFilter, DashboardUseFilter>());
    }

    /// <summary>Records a use; starts the collection if it is not running.</summary>
    public void Touch()
    {
        Volatile.Write(ref _lastUse, Stopwatch.GetTimestamp());
        lock (_gate)
        {
            if (_running is not null)
            {
                return;
            }
            // A fresh host and exporter each time: the previous ones were disposed with their meter provider.
            var exporter = ActivatorUtilities.CreateInstance(services, ExporterType);
            var host = ActivatorUtilities.CreateInstance(services, HostType, exporter);
            _running = (IAsyncDisposable)host;
            _transition = _transition.ContinueWith(_ => StartAsync((ILifecycleParticipant<ISiloLifecycle>)host), TaskScheduler.Default).Unwrap();
        }
    }

    private async Task StartAsync(ILifecycleParticipant<ISiloLifecycle> host)
    {
        try
        {
            // The silo is past every stage: run the stages the host subscribes to now, in order.
            var stages = new CapturedStages();
            host.Participate(stages);
            await stages.StartAsync();
            LogStarted(logger, config.Dashboard.MetricsIdleAfter);
        }
        catch (Exception e)
        {
            LogStartFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idleAfter = config.Dashboard.MetricsIdleAfter;
        var check = TimeSpan.FromTicks(Math.Clamp(idleAfter.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(30).Ticks));
        using var timer = new PeriodicTimer(check);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastUse)) >= idleAfter)
                {
                    _ = StopAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await StopAsync();
    }

    private Task StopAsync()
    {
        lock (_gate)
        {
            if (_running is not { } host)
            {
                return _transition;
            }
            _running = null;
            _transition = _transition.ContinueWith(_ => DisposeAsync(host), TaskScheduler.Default).Unwrap();
            return _transition;
        }
    }

    private async Task DisposeAsync(IAsyncDisposable host)
    {
        try
        {
            await host.DisposeAsync();
            LogStopped(logger);
        }
        catch (Exception e)
        {
            LogStopFailed(logger, e);
        }
    }

    private static bool Resolves(Func<IServiceProvider, object>? factory, Type type) =>
        factory?.Target is { } closure
        && closure.GetType().GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            .Any(f => f.FieldType == typeof(Type) && Equals(f.GetValue(closure), type));

    private static Type DashboardType(string name) =>
        typeof(DashboardOptions).Assembly.GetType(name) ?? throw Outdated($"it no longer has the type {name}");

    private static InvalidOperationException Outdated(string what) =>
        new($"the Orleans dashboard package changed ({what}): OrleansGateway's on-demand dashboard collection needs updating");

    /// <summary>A silo lifecycle already past every stage: records subscriptions, to start them in stage order.</summary>
    private sealed class CapturedStages : ISiloLifecycle
    {
        private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

        public int HighestCompletedStage => ServiceLifecycleStage.Active;

        public int LowestStoppedStage => int.MaxValue;

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add((stage, observer));
            return new NoUnsubscribe();
        }

        public async Task StartAsync()
        {
            foreach (var (_, observer) in _observers.OrderBy(o => o.Stage))
            {
                await observer.OnStart(CancellationToken.None);
            }
        }

        private sealed class NoUnsubscribe : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard metrics collection started (stops after {IdleAfter} without dashboard use)")]
    private static partial void LogStarted(ILogger logger, TimeSpan idleAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard metrics collection stopped: the dashboard was not used")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard metrics collection failed to start")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard metrics collection failed to stop cleanly")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Marks the dashboard as in use on this silo when a dashboard (this silo's or another's) reads this silo's statistics,
/// counters, properties or lifecycle through the dashboard's per-silo service. Not its own reports, nor the switching
/// of call profiling (which the dashboard also sends a minute after its last query, to turn profiling off).
/// </summary>
internal sealed class DashboardUseFilter(DashboardOnDemand demand, GrainInterfaceTypeResolver interfaces) : IIncomingGrainCallFilter
{
    private readonly GrainInterfaceType _siloService = interfaces.GetGrainInterfaceType(DashboardOnDemand.SiloServiceInterface);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceType.Equals(_siloService)
            && context.MethodName is ("GetCounters" or "GetRuntimeStatistics" or "GetExtendedProperties" or "GetLifecycleStages"))
        {
            demand.Touch();
        }
        return context.Invoke();
    }
}
