# A data plane (YARP proxy following the control plane). Build from the repository root:
#   docker build -f docker/dataplane.Dockerfile -t orleans-gateway-dp .
# Run with a configuration file mounted and named: ... orleans-gateway-dp --config /etc/orleans-gateway/config.yaml

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so that the restore layer is reused while only sources change.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Configuration/Configuration.csproj src/Configuration/
COPY src/Snapshots/Snapshots.csproj src/Snapshots/
COPY src/DataPlane/DataPlane.csproj src/DataPlane/
RUN dotnet restore src/DataPlane/DataPlane.csproj
COPY src/ src/
RUN dotnet publish src/DataPlane/DataPlane.csproj -c Release --no-restore -p:UseAppHost=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl only serves the HEALTHCHECK; the runtime image has no HTTP client of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/orleans-gateway /etc/orleans-gateway \
 && chown "$APP_UID:$APP_UID" /var/lib/orleans-gateway
COPY --from=build /app /app
# The working directory is the data directory (the local config cache lives there), writable by the app user.
WORKDIR /var/lib/orleans-gateway
# Kestrel listens where the configuration says (apisix.node_listen, apisix.control), not on the image's default 8080.
# DOTNET_GCgen0size: a 64 MiB young generation instead of one sized from the CPU cache; the proxy allocates a few KB
# per request and collects far less often: about +5% requests/s on two cores (bench/README.md), for ~64 MB of RSS.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    DOTNET_GCgen0size=0x4000000 \
    OG_HEALTH_URL=http://127.0.0.1:9090/healthz
USER $APP_UID
EXPOSE 9080 9090
# /healthz on the status port (apisix.control): the process serves; change OG_HEALTH_URL with that port.
HEALTHCHECK --interval=5s --timeout=4s --start-period=30s --retries=6 CMD curl -fsS -o /dev/null "$OG_HEALTH_URL" || exit 1
ENTRYPOINT ["dotnet", "/app/OrleansGateway.DataPlane.dll"]
