# Builds AidDesk for Windows: the program folder (packaging\dist\AidDesk) and, if Inno Setup 6 is installed,
# the installer (packaging\dist\AidDesk-<version>-setup.exe). Run in PowerShell from any folder:
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1
$ErrorActionPreference = "Stop"
$root = Split-Path -Parent $PSScriptRoot
Set-Location $root

$venv = Join-Path $root "packaging\.venv-build"
$python = Join-Path $venv "Scripts\python.exe"
if (-not (Test-Path $python)) {
    Write-Host "创建打包用的虚拟环境 $venv …"
    # The Python launcher (py) is installed with Python from python.org; fall back to python on PATH.
    if (Get-Command py -ErrorAction SilentlyContinue) { py -3 -m venv $venv } else { python -m venv $venv }
    if ($LASTEXITCODE -ne 0) { throw "无法创建虚拟环境：请先安装 Python 3.11 或更新版本（python.org），安装时勾选 Add to PATH。" }
}
& $python -m pip install -q --upgrade pip
& $python -m pip install -q ".[package]"
if ($LASTEXITCODE -ne 0) { throw "安装依赖失败：请检查网络或 pip 镜像设置。" }

& $python -m PyInstaller --noconfirm --clean --log-level WARN `
    --workpath packaging\build --distpath packaging\dist packaging\aiddesk.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller 打包失败，请查看上面的输出。" }
$bundle = Join-Path $root "packaging\dist\AidDesk"
$version = & $python -c "import aiddesk; print(aiddesk.__version__)"
Write-Host "程序文件夹：$bundle"

# Quick check with the console twin (AidDesk.exe is windowed and prints nothing).
& (Join-Path $bundle "aiddesk-cli.exe") --version
if ($LASTEXITCODE -ne 0) { throw "打包后的程序无法启动。" }

$iscc = @(
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $iscc) {
    Write-Host "未找到 Inno Setup 6，只生成了程序文件夹。要生成安装程序，请安装 Inno Setup 6（jrsoftware.org）后重新运行。"
    exit 0
}
& $iscc "/DAppVersion=$version" "/O$(Join-Path $root 'packaging\dist')" (Join-Path $root "packaging\aiddesk.iss")
if ($LASTEXITCODE -ne 0) { throw "Inno Setup 生成安装程序失败，请查看上面的输出。" }
Write-Host "安装程序：$(Join-Path $root "packaging\dist\AidDesk-$version-setup.exe")"
