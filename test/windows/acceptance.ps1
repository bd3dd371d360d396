<#
.SYNOPSIS
  ctrimg on a real Windows container host: what the tests on Linux could only check against
  stand-ins. Install (hcs importer, real wclayer, no staging directory left behind), the host's
  revision in a platform refusal, New-Container (wclayer create, scratch disk grown), the
  container mounted by wclayer over the layers as imported in place, a refused removal,
  Remove-Container, Remove-ContainerImage, and nothing left.

.DESCRIPTION
  Run from an elevated Windows PowerShell 5.1 (or later) on a host with the Containers feature,
  hcsshim's wclayer.exe on PATH (or $env:CTRIMG_WCLAYER), and an image for this host's build:

    .\test\windows\acceptance.ps1 -Reference 127.0.0.1:5000/windows/nanoserver:ltsc2022 -Insecure

  An image with a layer above its base (servercore has one) also exercises wclayer's staging
  directory, which only such a layer uses.

  It uses a store of its own (-Root, created fresh, on an NTFS volume) and removes what it
  installed. Prints PASS or FAIL per step; exits 1 if any step failed. A MANUAL step at the end
  says what to run on that store from a non-elevated PowerShell, which this script cannot do for
  itself, and then how to remove the store.

.PARAMETER Ctrimg
  How to start ctrimg: 'ctrimg' on PATH by default, or e.g. node,C:\src\ctrimg\dist\src\cli.cjs
#>
param(
  [Parameter(Mandatory = $true)][string]$Reference,
  [switch]$Insecure,
  [string]$Root = (Join-Path $env:ProgramData 'ctrimg-acceptance'),
  [string[]]$Ctrimg = @('ctrimg')
)

$ErrorActionPreference = 'Stop'
$script:failed = 0
$ScratchDefault = 127GB  # moby's default scratch size; PowerShell's GB is 1024^3, as ctrimg's
$Administrators = 'S-1-5-32-544'
$System = 'S-1-5-18'
$wclayer = if ($env:CTRIMG_WCLAYER) { $env:CTRIMG_WCLAYER } else { 'wclayer' }
# Where wclayer would stage a layer with parents (internal/wclayer/importlayer.go: os.MkdirTemp("", "hcs"))
# if it ignored the TEMP ctrimg gives it; run as SYSTEM, Go's os.TempDir is C:\Windows\SystemTemp.
$TempDirs = @($env:TEMP, (Join-Path $env:SystemRoot 'SystemTemp')) | Where-Object { Test-Path -LiteralPath $_ }

function Step([string]$Name, [scriptblock]$Check) {
  try {
    $why = & $Check
    if ($why) { throw $why }
    Write-Host "PASS  $Name"
  } catch {
    $script:failed++
    Write-Host "FAIL  $Name : $_"
  }
}

# Runs ctrimg with the arguments given; returns its exit code, stdout and stderr (a string each).
# stderr is echoed, indented, so that it still shows.
function Invoke-Ctrimg {
  # Windows PowerShell 5.1 turns each stderr line caught by 2>&1 into an error, which 'Stop' would throw.
  $ErrorActionPreference = 'Continue'
  $exe = $Ctrimg[0]
  $rest = @($Ctrimg | Select-Object -Skip 1)
  $all = @(& $exe @rest @args 2>&1)
  $code = $LASTEXITCODE
  $err = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$_" })
  $out = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
  foreach ($line in $err) { Write-Host "      $line" }
  [pscustomobject]@{ Code = $code; Out = ($out -join "`n"); Err = ($err -join "`n") }
}

# The hcs* directories in the temp directories wclayer might use, by full path.
function Staging {
  @($TempDirs | ForEach-Object { Get-ChildItem -LiteralPath $_ -Directory -Force -Filter 'hcs*' -ErrorAction SilentlyContinue } | ForEach-Object { $_.FullName })
}

# The items of a JSON array (Windows PowerShell 5.1 does not unroll it itself); none for null.
function From-Json([string]$Text) {
  if (-not $Text) { return @() }
  @(($Text | ConvertFrom-Json) | ForEach-Object { $_ } | Where-Object { $null -ne $_ })
}

function Images { From-Json (Invoke-Ctrimg Get-ContainerImage -OutputFormat Json).Out }

# Images no other installed image has as its ParentImage (JSON: an object with Name): removable first.
function Leaves($all) {
  @($all | Where-Object { $n = $_.Name; -not @($all | Where-Object { $_.ParentImage -and $_.ParentImage.Name -eq $n }) })
}

if (Test-Path -LiteralPath $Root) { throw "$Root exists: give -Root a directory that does not exist yet" }
$env:CTRIMG_ROOT = $Root
$env:CTRIMG_IMPORTER = 'hcs'
$image = $null
$container = $null
$stagingBefore = @(Staging)

# -WhatIf shows the chosen image's platform, not the host's: a refusal names the host, with its
# revision (UBR). No image is built for build 1, so asking for it is always refused. Run before the
# install: an installed single-manifest image would be reported as installed, not checked.
Step 'a platform refusal names the host as 10.0.<build>.<UBR>, as the registry has them' {
  $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
  $hostVersion = "10.0.$($cv.CurrentBuildNumber).$($cv.UBR)"
  $whatIfArgs = @('-Reference', $Reference, '-Platform', 'windows/amd64:10.0.1', '-WhatIf')
  if ($Insecure) { $whatIfArgs += '-Insecure' }
  $r = Invoke-Ctrimg Install-ContainerImage @whatIfArgs
  if ($r.Code -ne 3) { return "exit code $($r.Code), expected 3 (PLATFORM_NOT_FOUND)" }
  if ($r.Err -notlike "*(host windows/*:$hostVersion)*") { return "the refusal does not name the host as $hostVersion" }
}

Step 'Install-ContainerImage through wclayer import' {
  $installArgs = @('-Reference', $Reference, '-Quiet')
  if ($Insecure) { $installArgs += '-Insecure' }
  $r = Invoke-Ctrimg Install-ContainerImage @installArgs
  if ($r.Code -ne 0) { return "exit code $($r.Code)" }
  $leaves = Leaves (Images)
  if ($leaves.Count -ne 1) { return "expected one installed image at the top, found $($leaves.Count)" }
  $script:image = $leaves[0]
}

Step 'no hcs* staging directory left in TEMP or SystemTemp, no .wclayer-temp-* left in the store' {
  $new = @(Staging | Where-Object { $stagingBefore -notcontains $_ })
  if ($new.Count -gt 0) { return "left $($new -join ', ')" }
  $temps = @(Get-ChildItem -LiteralPath (Join-Path $Root 'layers') -Directory -Force -Filter '.wclayer-temp-*')
  if ($temps.Count -gt 0) { return "left $($temps.FullName -join ', ')" }
}

Step 'store root owned by Administrators, only Administrators and SYSTEM in its DACL, nothing inherited' {
  $acl = Get-Acl -LiteralPath $Root
  $sid = [System.Security.Principal.SecurityIdentifier]
  $owner = $acl.GetOwner($sid).Value
  $who = @($acl.GetAccessRules($true, $true, $sid) | ForEach-Object { $_.IdentityReference.Value } | Sort-Object -Unique)
  if ($owner -ne $Administrators) { return "owner is $owner" }
  if (-not $acl.AreAccessRulesProtected) { return 'the DACL inherits from above' }
  $expected = @($Administrators, $System) | Sort-Object
  if (($who -join ',') -ne ($expected -join ',')) { return "DACL grants $($who -join ', ')" }
}

Step 'each layer directory holds Files and a layerchain.json naming layers that exist' {
  $layers = @(Get-ChildItem -LiteralPath (Join-Path $Root 'layers') -Force)
  if ($layers.Count -eq 0) { return 'no layer directory' }
  foreach ($l in $layers) {
    if ($l.Name.StartsWith('.')) { return "leftover $($l.Name)" }
    if (-not (Test-Path -LiteralPath (Join-Path $l.FullName 'Files'))) { return "$($l.Name) has no Files" }
    $chain = @(From-Json (Get-Content -Raw -LiteralPath (Join-Path $l.FullName 'layerchain.json')))
    foreach ($p in $chain) { if (-not (Test-Path -LiteralPath $p)) { return "$($l.Name) names a missing parent $p" } }
  }
}

Step 'New-Container through wclayer create, scratch disk grown to 127 GB' {
  if (-not $image) { return 'no image installed' }
  $r = Invoke-Ctrimg New-Container -ContainerImageName $image.Name -Name acceptance1 -OutputFormat Json
  if ($r.Code -ne 0) { return "exit code $($r.Code)" }
  $script:container = (From-Json $r.Out)[0]
  $vhdx = Join-Path $container.Path 'sandbox.vhdx'
  if (-not (Test-Path -LiteralPath $vhdx)) { return "no $vhdx" }
  $size = (Get-DiskImage -ImagePath $vhdx).Size
  if ($size -lt $ScratchDefault) { return "sandbox.vhdx is $size bytes, less than $ScratchDefault" }
  $chain = @(From-Json (Get-Content -Raw -LiteralPath (Join-Path $container.Path 'layerchain.json')))
  if ($chain.Count -eq 0) { return 'the container layerchain.json is empty' }
}

# What a container start does to its layers (hcsshim cmd/wclayer/mount.go: ActivateLayer, then
# PrepareLayer with the parents): HCS must find every layer where it was imported, by its id.
Step 'wclayer mount of the container over its layers prints a volume path; wclayer unmount' {
  if (-not $container) { return 'no container' }
  $chain = @(From-Json (Get-Content -Raw -LiteralPath (Join-Path $container.Path 'layerchain.json')))
  $layerArgs = @($chain | ForEach-Object { '-l'; $_ })
  $mount = & $wclayer mount @layerArgs $container.Path
  if ($LASTEXITCODE -ne 0) { return "wclayer mount: exit code $LASTEXITCODE" }
  $mounted = "$mount".Trim()
  & $wclayer unmount $container.Path
  if ($LASTEXITCODE -ne 0) { return "wclayer unmount: exit code $LASTEXITCODE (mount printed '$mounted')" }
  if ($mounted -notlike '\\?\Volume{*}*') { return "wclayer mount printed '$mounted', not a volume path" }
}

Step 'Remove-ContainerImage refused (exit 4) while the container exists' {
  if (-not $image) { return 'no image installed' }
  $r = Invoke-Ctrimg Remove-ContainerImage -Name $image.Name -Force
  if ($r.Code -ne 4) { return "exit code $($r.Code), expected 4" }
  if (-not @(Images | Where-Object { $_.Name -eq $image.Name })) { return 'the image is gone' }
}

Step 'Remove-Container through wclayer remove' {
  if (-not $container) { return 'no container' }
  $r = Invoke-Ctrimg Remove-Container -Name acceptance1 -Force
  if ($r.Code -ne 0) { return "exit code $($r.Code)" }
  if (Test-Path -LiteralPath $container.Path) { return "$($container.Path) is still there" }
}

Step 'Remove-ContainerImage, children first' {
  for ($i = 0; $i -lt 10 -and @(Images).Count -gt 0; $i++) {
    foreach ($leaf in (Leaves (Images))) {
      $r = Invoke-Ctrimg Remove-ContainerImage -Name $leaf.Name -Force
      if ($r.Code -ne 0) { return "removing $($leaf.Name): exit code $($r.Code)" }
    }
  }
  if (@(Images).Count -gt 0) { return 'images are still installed' }
}

Step 'nothing left in layers and containers' {
  foreach ($dir in 'layers', 'containers') {
    $left = @(Get-ChildItem -LiteralPath (Join-Path $Root $dir) -Force)
    if ($left.Count -gt 0) { return "$dir holds $($left.Name -join ', ')" }
  }
}

Remove-Item Env:\CTRIMG_ROOT, Env:\CTRIMG_IMPORTER
# The store is kept for the MANUAL step: a non-elevated run on an existing store is what a user really hits.
Write-Host 'MANUAL  the refusal when not elevated, which an elevated script cannot show. From a PowerShell'
Write-Host '        NOT run as administrator, on the store this script used (its DACL grants only'
Write-Host '        Administrators and SYSTEM):'
Write-Host "          `$env:CTRIMG_ROOT = '$Root'; `$env:CTRIMG_IMPORTER = 'hcs'"
Write-Host "          $($Ctrimg -join ' ') Install-ContainerImage -Reference $Reference$(if ($Insecure) { ' -Insecure' }); `$LASTEXITCODE"
Write-Host '        must print one line ending in [STORE_PERMISSIONS] that says to run ctrimg elevated (not'
Write-Host '        [STORE_NOT_OURS], not a bare EPERM), then 1. Then, elevated again:'
Write-Host "          Remove-Item -LiteralPath '$Root' -Recurse -Force"
if ($script:failed -gt 0) {
  Write-Host "$($script:failed) step(s) failed; the store is left at $Root for a look"
  exit 1
}
Write-Host 'all steps passed'
exit 0
