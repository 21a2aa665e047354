// MfaBot on Azure: an Azure Bot (single tenant) pointing at an App Service (Linux, Node.js) that runs
// MfaBot with a user-assigned managed identity, and a Storage account whose blob container holds
// MfaBot's state (approval requests, audit log, locks, conversation references: MFABOT_STORAGE=blob).
// Parameters: infra/README.md. Deployed by the Agents Toolkit's arm/deploy (m365agents.yml) or by
// `az deployment group create`. Written for Bicep 0.9 and later (no single-line arrays or lambdas).

@description('Prefix of every resource name, 3 to 11 lower-case letters or digits; a hash of the resource group id is appended.')
@minLength(3)
@maxLength(11)
param resourceBaseName string = 'mfabot'

@description('Region of the App Service, identity and storage account. The Azure Bot resource is global.')
param location string = resourceGroup().location

@description('App Service plan SKU (Linux). B1 is the smallest with Always On, which a bot needs.')
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
  'P0v3'
  'P1v3'
  'P2v3'
])
param appServicePlanSku string = 'B1'

@description('Node.js runtime of the App Service.')
@allowed([
  'NODE|20-lts'
  'NODE|22-lts'
])
param linuxFxVersion string = 'NODE|20-lts'

@description('Name of the bot as the Azure portal shows it.')
@maxLength(42)
param botDisplayName string = 'MfaBot'

@description('Azure Bot pricing tier. Teams is a standard channel, free on F0.')
@allowed([
  'F0'
  'S1'
])
param botServiceSku string = 'F0'

@description('Client (application) id of the bot\'s single-tenant Entra app registration (BOT_ID).')
@minLength(36)
@maxLength(36)
param botAppId string

@description('Client secret of that app registration (SECRET_BOT_PASSWORD). Stored as an App Service setting.')
@secure()
param botAppPassword string

@description('Tenant id of the app registration: the one tenant MfaBot serves.')
param botAppTenantId string = tenant().tenantId

@description('Credential MfaBot uses for Microsoft Graph: botApp (the bot app registration and its secret) or managedIdentity (the user-assigned identity; grant it the Graph app roles, see README).')
@allowed([
  'botApp'
  'managedIdentity'
])
param graphCredential string = 'botApp'

@description('Blob container for MfaBot\'s state.')
@minLength(3)
@maxLength(63)
param storageContainerName string = 'mfabot'

@description('MFABOT_ROLES: roles in scope (template, docs, scuba, seed, or role template ids).')
param mfabotRoles string = 'template'

@description('MFABOT_APPROVERS: Entra object ids of approvers, comma-separated.')
param mfabotApprovers string = ''

@description('MFABOT_APPROVER_GROUP: group whose transitive members are approvers.')
param mfabotApproverGroup string = ''

@description('MFABOT_BREAK_GLASS: break-glass user ids, comma-separated.')
param mfabotBreakGlass string = ''

@description('MFABOT_EXCLUSION_GROUP: the sanctioned service-account exclusion group id.')
param mfabotExclusionGroup string = ''

@description('MFABOT_POLICY_STRENGTH_ID: authentication strength the created policy requires (empty = plain MFA).')
param mfabotPolicyStrengthId string = ''

@description('MFABOT_TWO_PERSON_RULE: true = an approver cannot approve their own request.')
@allowed([
  'true'
  'false'
])
param mfabotTwoPersonRule string = 'false'

@description('MFABOT_PROPOSAL_TTL_HOURS: how long an approval request stays open.')
param mfabotProposalTtlHours string = '24'

@description('MFABOT_TEAMS_APP_ID: the Teams app manifest id (TEAMS_APP_ID), so nudges can install MfaBot for admins.')
param mfabotTeamsAppId string = ''

@description('MFABOT_NUDGE_WINDOW_HOURS: the same admin is nudged at most once per this many hours.')
param mfabotNudgeWindowHours string = '24'

@description('MFABOT_NUDGERS: approvers, anyone, or comma-separated Entra object ids.')
param mfabotNudgers string = 'approvers'

@description('MFABOT_DIGEST_HOUR_UTC: hour (UTC) of the subscribed channels\' digest.')
param mfabotDigestHourUtc string = '8'

@description('MFABOT_DIGEST_WEEKDAY: day of the weekly digest, 0 = Sunday.')
param mfabotDigestWeekday string = '1'

@description('MFABOT_STATUS_CACHE_SECONDS.')
param mfabotStatusCacheSeconds string = '60'

@description('MFABOT_MAX_ADMINS_LISTED.')
param mfabotMaxAdminsListed string = '15'

@description('MFABOT_GRAPH_URL: Graph endpoint (national clouds: https://graph.microsoft.us, ...).')
param mfabotGraphUrl string = 'https://graph.microsoft.com'

@description('MFABOT_GRAPH_TIMEOUT_MS.')
param mfabotGraphTimeoutMs string = '10000'

@description('MFABOT_GRAPH_MAX_RETRIES.')
param mfabotGraphMaxRetries string = '3'

@description('How changes to the tenant are made: delegated (with the approver\'s own identity through Teams single sign-on; MfaBot\'s app then holds no write permission) or application (with the app\'s permissions).')
@allowed([
  'delegated'
  'application'
])
param mfabotWriteMode string = 'delegated'

@description('Name of the Azure Bot OAuth connection that signs approvers in (delegated writes).')
param mfabotSsoConnection string = 'mfabot-sso'

@description('LOG_LEVEL.')
@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
  'trace'
  'silent'
])
param logLevel string = 'info'

var suffix = uniqueString(resourceGroup().id)
var name = '${resourceBaseName}-${suffix}'
var storageAccountName = take(toLower('${resourceBaseName}${suffix}'), 24)
// Built-in role "Storage Blob Data Contributor".
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // MfaBot's Blobs store takes a connection string today (MFABOT_BLOB_CONNECTION_STRING), which needs
    // the account key. Once it can use the managed identity (see README), set this to false.
    allowSharedKeyAccess: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  parent: blobService
  name: storageContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The identity may already read and write the container, so moving the store from the account key to
// the managed identity is a configuration change; the key gives the app no less access than this.
resource containerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, identity.id, storageBlobDataContributor)
  scope: container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2022-09-01' = {
  name: name
  location: location
  kind: 'linux'
  sku: {
    name: appServicePlanSku
  }
  properties: {
    reserved: true
  }
}

resource webApp 'Microsoft.Web/sites@2022-09-01' = {
  name: name
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: linuxFxVersion
      appCommandLine: 'node dist/index.js'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
      appSettings: [
        {
          name: 'WEBSITE_RUN_FROM_PACKAGE'
          value: '1'
        }
        {
          name: 'NODE_ENV'
          value: 'production'
        }
        {
          name: 'MicrosoftAppId'
          value: botAppId
        }
        {
          name: 'MicrosoftAppPassword'
          value: botAppPassword
        }
        {
          name: 'MicrosoftAppType'
          value: 'SingleTenant'
        }
        {
          name: 'MicrosoftAppTenantId'
          value: botAppTenantId
        }
        {
          // Empty with graphCredential=botApp: Graph then uses MicrosoftAppId and MicrosoftAppPassword.
          name: 'MFABOT_GRAPH_MANAGED_IDENTITY'
          value: graphCredential == 'managedIdentity' ? identity.properties.clientId : ''
        }
        {
          name: 'MFABOT_GRAPH_URL'
          value: mfabotGraphUrl
        }
        {
          name: 'MFABOT_GRAPH_TIMEOUT_MS'
          value: mfabotGraphTimeoutMs
        }
        {
          name: 'MFABOT_GRAPH_MAX_RETRIES'
          value: mfabotGraphMaxRetries
        }
        {
          name: 'MFABOT_ROLES'
          value: mfabotRoles
        }
        {
          name: 'MFABOT_APPROVERS'
          value: mfabotApprovers
        }
        {
          name: 'MFABOT_APPROVER_GROUP'
          value: mfabotApproverGroup
        }
        {
          name: 'MFABOT_BREAK_GLASS'
          value: mfabotBreakGlass
        }
        {
          name: 'MFABOT_EXCLUSION_GROUP'
          value: mfabotExclusionGroup
        }
        {
          name: 'MFABOT_POLICY_STRENGTH_ID'
          value: mfabotPolicyStrengthId
        }
        {
          name: 'MFABOT_STATUS_CACHE_SECONDS'
          value: mfabotStatusCacheSeconds
        }
        {
          name: 'MFABOT_MAX_ADMINS_LISTED'
          value: mfabotMaxAdminsListed
        }
        {
          name: 'MFABOT_TWO_PERSON_RULE'
          value: mfabotTwoPersonRule
        }
        {
          name: 'MFABOT_PROPOSAL_TTL_HOURS'
          value: mfabotProposalTtlHours
        }
        {
          name: 'MFABOT_TEAMS_APP_ID'
          value: mfabotTeamsAppId
        }
        {
          name: 'MFABOT_NUDGE_WINDOW_HOURS'
          value: mfabotNudgeWindowHours
        }
        {
          name: 'MFABOT_NUDGERS'
          value: mfabotNudgers
        }
        {
          name: 'MFABOT_DIGEST_HOUR_UTC'
          value: mfabotDigestHourUtc
        }
        {
          name: 'MFABOT_DIGEST_WEEKDAY'
          value: mfabotDigestWeekday
        }
        {
          name: 'MFABOT_STORAGE'
          value: 'blob'
        }
        {
          name: 'MFABOT_BLOB_CONNECTION_STRING'
          value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
        }
        {
          name: 'MFABOT_BLOB_CONTAINER'
          value: storageContainerName
        }
        {
          name: 'MFABOT_WRITE_MODE'
          value: mfabotWriteMode
        }
        {
          name: 'MFABOT_SSO_CONNECTION'
          value: mfabotWriteMode == 'delegated' ? mfabotSsoConnection : ''
        }
        {
          name: 'LOG_LEVEL'
          value: logLevel
        }
      ]
    }
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: botAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: botAppTenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Teams single sign-on for approvers (delegated writes): the connection Teams' token exchange uses,
// with the bot's app registration and MfaBot's API as its Token Exchange URL
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/authentication/bot-sso-register-aad).
resource ssoConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = if (mfabotWriteMode == 'delegated') {
  parent: bot
  name: mfabotSsoConnection
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: botAppId
    clientSecret: botAppPassword
    scopes: 'Policy.Read.All Policy.ReadWrite.ConditionalAccess RoleManagementPolicy.ReadWrite.Directory'
    parameters: [
      {
        key: 'tenantID'
        value: botAppTenantId
      }
      {
        key: 'tokenExchangeUrl'
        value: 'api://botid-${botAppId}'
      }
    ]
  }
}

// arm/deploy writes these to env/.env.<env>.
output AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
// The Microsoft Graph application permissions of every feature (docs/permissions.md), for granting them
// to the managed identity as app role assignments. Written by `npm run permissions` from src/graph/permissions.ts.
output GRAPH_APPLICATION_PERMISSIONS string = mfabotWriteMode == 'delegated' ? 'AppCatalog.Read.All,AuditLog.Read.All,GroupMember.ReadBasic.All,LicenseAssignment.Read.All,Policy.Read.All,RoleManagement.Read.Directory,SecurityEvents.Read.All,TeamsAppInstallation.ReadWriteSelfForUser.All,User.Read.All' : 'AppCatalog.Read.All,AuditLog.Read.All,GroupMember.ReadBasic.All,LicenseAssignment.Read.All,Policy.Read.All,Policy.ReadWrite.ConditionalAccess,RoleManagement.Read.Directory,RoleManagementPolicy.ReadWrite.Directory,SecurityEvents.Read.All,TeamsAppInstallation.ReadWriteSelfForUser.All,User.Read.All'
output STORAGE_CONTAINER_URL string = '${storage.properties.primaryEndpoints.blob}${storageContainerName}'
