; Inno Setup 6 script for the Windows installer of AidDesk (工会帮扶工作台).
; build.ps1 runs:  ISCC.exe /DAppVersion=X.Y.Z /O<output folder> packaging\aiddesk.iss
; It packs packaging\dist\AidDesk (the PyInstaller folder) into AidDesk-X.Y.Z-setup.exe.

#ifndef AppVersion
  #error 请通过 build.ps1 生成安装程序，或在命令行加 /DAppVersion=版本号（与 aiddesk/__init__.py 中的版本一致）
#endif

; Simplified Chinese for the installer's own pages: use Inno Setup's file if this installation has one, else a
; copy placed beside this script (download ChineseSimplified.isl from https://jrsoftware.org/files/istrans/).
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
  #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ChineseIsl AddBackslash(SourcePath) + "ChineseSimplified.isl"
#else
  #pragma message "未找到 ChineseSimplified.isl：安装程序界面将是英文。见 packaging/README.md。"
#endif

[Setup]
; Fixed for ever: Windows recognises upgrades and the uninstall entry by this id.
AppId={{96D9560D-8F31-4648-9CC2-3E626C63DFA0}
AppName=工会帮扶工作台
AppVerName=工会帮扶工作台 {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=AidDesk
VersionInfoVersion={#AppVersion}
VersionInfoProductName=工会帮扶工作台 AidDesk
; Per-user install needs no administrator; an administrator may still choose "for all users" in the dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\AidDesk
DefaultGroupName=工会帮扶工作台
DisableProgramGroupPage=yes
OutputBaseFilename=AidDesk-{#AppVersion}-setup
SetupIconFile=aiddesk.ico
UninstallDisplayIcon={app}\AidDesk.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 or newer (Qt 6 needs it).
MinVersion=10.0

[Languages]
#ifdef ChineseIsl
Name: "chinesesimplified"; MessagesFile: "{#ChineseIsl}"
#else
Name: "english"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面上创建快捷方式"; GroupDescription: "快捷方式："

[Files]
; The whole PyInstaller folder. The database is NOT here: it lives in the user's data folder
; (%LOCALAPPDATA%\AidDesk), so uninstalling or upgrading never touches the records.
Source: "dist\AidDesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\工会帮扶工作台"; Filename: "{app}\AidDesk.exe"; WorkingDir: "{app}"
Name: "{autoprograms}\卸载工会帮扶工作台"; Filename: "{uninstallexe}"
Name: "{autodesktop}\工会帮扶工作台"; Filename: "{app}\AidDesk.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\AidDesk.exe"; Description: "立即打开工会帮扶工作台"; Flags: nowait postinstall skipifsilent
