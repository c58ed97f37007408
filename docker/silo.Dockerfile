# The control plane: one Orleans silo with the Admin API. Build from the repository root:
#   docker build -f docker/silo.Dockerfile -t orleans-gateway-silo .
# Run with a configuration file mounted and named: ... orleans-gateway-silo --config /etc/orleans-gateway/config.yaml

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so that the restore layer is reused while only sources change.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Configuration/Configuration.csproj src/Configuration/
COPY src/Snapshots/Snapshots.csproj src/Snapshots/
COPY src/Grains/Grains.csproj src/Grains/
COPY src/Persistence/Persistence.csproj src/Persistence/
COPY src/DataPlane/DataPlane.csproj src/DataPlane/
COPY src/Silo/Silo.csproj src/Silo/
RUN dotnet restore src/Silo/Silo.csproj
COPY src/ src/
RUN dotnet publish src/Silo/Silo.csproj -c Release --no-restore -p:UseAppHost=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl only serves the HEALTHCHECK; the runtime image has no HTTP client of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/orleans-gateway /etc/orleans-gateway \
 && chown "$APP_UID:$APP_UID" /var/lib/orleans-gateway
COPY --from=build /app /app
# The working directory is the data directory, so a relative deployment.data_dir (./data) is writable.
WORKDIR /var/lib/orleans-gateway
# Kestrel listens where the configuration says (deployment.admin.admin_listen), not on the image's default 8080.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    OG_HEALTH_URL=http://127.0.0.1:9180/readyz
USER $APP_UID
EXPOSE 9180 11111 30000
# /readyz answers 200 once this silo serves grain calls; change OG_HEALTH_URL with admin_listen's port.
HEALTHCHECK --interval=5s --timeout=4s --start-period=60s --retries=6 CMD curl -fsS -o /dev/null "$OG_HEALTH_URL" || exit 1
ENTRYPOINT ["dotnet", "/app/OrleansGateway.Silo.dll"]
