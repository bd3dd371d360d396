<#
.SYNOPSIS
  ctrimg on a real Windows container host: what the tests on Linux could only check against
  stand-ins. Install (hcs importer, real wclayer), New-Container (wclayer create, scratch disk
  grown), a refused removal, Remove-Container, Remove-ContainerImage, and nothing left.

.DESCRIPTION
  Run from an elevated Windows PowerShell 5.1 (or later) on a host with the Containers feature,
  hcsshim's wclayer.exe on PATH (or $env:CTRIMG_WCLAYER), and an image for this host's build:

    .\test\windows\acceptance.ps1 -Reference 127.0.0.1:5000/windows/nanoserver:ltsc2022 -Insecure

  It uses a store of its own (-Root, created fresh, on an NTFS volume) and removes what it made.
  Prints PASS or FAIL per step; exits 1 if any step failed.

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

# Runs ctrimg with the arguments given; returns its exit code and stdout (one string).
function Invoke-Ctrimg {
  $exe = $Ctrimg[0]
  $rest = @($Ctrimg | Select-Object -Skip 1)
  $out = & $exe @rest @args
  [pscustomobject]@{ Code = $LASTEXITCODE; Out = ($out -join "`n") }
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

Step 'Install-ContainerImage through wclayer import' {
  $installArgs = @('-Reference', $Reference, '-Quiet')
  if ($Insecure) { $installArgs += '-Insecure' }
  $r = Invoke-Ctrimg Install-ContainerImage @installArgs
  if ($r.Code -ne 0) { return "exit code $($r.Code)" }
  $leaves = Leaves (Images)
  if ($leaves.Count -ne 1) { return "expected one installed image at the top, found $($leaves.Count)" }
  $script:image = $leaves[0]
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
if ($script:failed -gt 0) {
  Write-Host "$($script:failed) step(s) failed; the store is left at $Root for a look"
  exit 1
}
Remove-Item -LiteralPath $Root -Recurse -Force
Write-Host 'all steps passed'
exit 0
