# Authenticode-signs one file with the release certificate (Tauri's bundle.windows.
# signCommand calls it for the app, its sidecars and the installer, before it signs the
# updater artifacts). The certificate comes from the pipeline's secrets only:
# WINDOWS_CERTIFICATE_PATH (a .pfx written for the job) and WINDOWS_CERTIFICATE_PASSWORD.
param([Parameter(Mandatory = $true)][string]$File)
$ErrorActionPreference = 'Stop'
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
  Sort-Object FullName -Descending | Select-Object -First 1
if (-not $signtool) { throw 'signtool.exe not found: the Windows SDK is needed' }
if (-not $env:WINDOWS_CERTIFICATE_PATH) { throw 'WINDOWS_CERTIFICATE_PATH is not set' }
& $signtool.FullName sign /f $env:WINDOWS_CERTIFICATE_PATH /p $env:WINDOWS_CERTIFICATE_PASSWORD `
  /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $File
if ($LASTEXITCODE -ne 0) { throw "signtool failed on $File" }
